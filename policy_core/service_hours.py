"""When human agents are on duty: HANDOFF_SERVICE_HOURS, in China time.

Format: "always" (the default), or day ranges with a time range, separated by ";", e.g.
"mon-fri 09:00-18:00; sat 09:00-12:00". Outside these hours a hand-off still queues the
conversation (the resident leaves a message), but the resident is told nobody is on duty.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Optional

from .answers import CHINA_TIME

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_PERIOD = re.compile(r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$")


class ServiceHoursError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time

    def covers(self, moment: datetime) -> bool:
        return moment.weekday() in self.days and self.start <= moment.time() < self.end

    def describe(self) -> str:
        days = sorted(self.days)
        label = DAY_LABELS[days[0]] if len(days) == 1 else f"{DAY_LABELS[days[0]]}至{DAY_LABELS[days[-1]]}"
        return f"{label} {self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class ServiceHours:
    periods: tuple[Period, ...]  # empty = always on duty

    @classmethod
    def parse(cls, text: Optional[str]) -> ServiceHours:
        text = (text or "").strip().lower()
        if text in ("", "always", "24/7"):
            return cls(())
        periods = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            match = _PERIOD.match(part)
            if not match or match["first"] not in DAYS or (match["last"] and match["last"] not in DAYS):
                raise ServiceHoursError(f"HANDOFF_SERVICE_HOURS: cannot read {part!r} (example: 'mon-fri 09:00-18:00')")
            first = DAYS.index(match["first"])
            last = DAYS.index(match["last"]) if match["last"] else first
            try:
                start, end = time.fromisoformat(match["start"].zfill(5)), time.fromisoformat(match["end"].zfill(5))
            except ValueError as error:
                raise ServiceHoursError(f"HANDOFF_SERVICE_HOURS: bad time in {part!r}") from error
            if last < first or end <= start:
                raise ServiceHoursError(f"HANDOFF_SERVICE_HOURS: empty period {part!r}")
            periods.append(Period(frozenset(range(first, last + 1)), start, end))
        return cls(tuple(periods))

    @classmethod
    def from_env(cls) -> ServiceHours:
        return cls.parse(os.environ.get("HANDOFF_SERVICE_HOURS"))

    def on_duty(self, moment: Optional[datetime] = None) -> bool:
        if not self.periods:
            return True
        moment = (moment or datetime.now(CHINA_TIME)).astimezone(CHINA_TIME)
        return any(period.covers(moment) for period in self.periods)

    def describe(self) -> str:
        return "全天" if not self.periods else "，".join(p.describe() for p in self.periods)
