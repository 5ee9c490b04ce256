"""Month expressions as residents write them: 1月, 一月, 十二月份, １０月, 上个月, 去年12月, 2025年3月."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

ENGLISH_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class MonthParseError(ValueError):
    """The text is not a month a resident could mean (e.g. 十三月)."""


@dataclass(frozen=True, order=True)
class YearMonth:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise MonthParseError(f"月份必须在1到12之间，收到 {self.month}")
        if not 1900 <= self.year <= 2200:
            raise MonthParseError(f"年份不合理：{self.year}")

    def plus_months(self, count: int) -> YearMonth:
        index = self.year * 12 + (self.month - 1) + count
        return YearMonth(index // 12, index % 12 + 1)

    def __str__(self) -> str:  # slot value form
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def from_slot(cls, value: str) -> YearMonth:
        match = re.fullmatch(r"(\d{4})-(\d{2})", str(value).strip())
        if not match:
            raise MonthParseError(f"不是年月格式：{value!r}")
        return cls(int(match.group(1)), int(match.group(2)))


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_RELATIVE = {
    "上上个月": -2,
    "上上月": -2,
    "上个月": -1,
    "上月": -1,
    "这个月": 0,
    "本月": 0,
    "当月": 0,
    "这月": 0,
    "下个月": 1,
    "下月": 1,
}
_MONTH_RE = re.compile(
    r"(?:(?P<year>\d{4}|[零〇一二三四五六七八九]{4})年|(?P<rel_year>去年|今年|前年|明年))?"
    r"\s*(?<![\d零〇一二三四五六七八九十])(?P<month>\d{1,2}|十[一二]?|[一二三四五六七八九]|正|腊)\s*月"
)


def _chinese_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "正":
        return 1
    if text == "腊":
        return 12
    if text.startswith("十"):
        return 10 + (_DIGITS[text[1]] if len(text) > 1 else 0)
    if len(text) == 4:  # 二〇二五
        return int("".join(str(_DIGITS[ch]) for ch in text))
    return _DIGITS[text]


def parse_month(text: str, today: date) -> YearMonth:
    """Resolve a month expression against `today`.

    A bare month ("1月") means the most recent such month that is not more than one month
    ahead: residents ask about money they are waiting for (in January, "12月" is last December).
    """
    if text is None or not str(text).strip():
        raise MonthParseError("没有说是哪个月")
    value = str(text).translate(_FULLWIDTH).replace(" ", "")
    if re.fullmatch(r"\d{4}-\d{2}", value):  # a month already resolved earlier
        return YearMonth.from_slot(value)
    current = YearMonth(today.year, today.month)
    for word, offset in sorted(_RELATIVE.items(), key=lambda item: -len(item[0])):
        if word in value:
            return current.plus_months(offset)
    match = _MONTH_RE.search(value)
    if not match:
        raise MonthParseError(f"没听懂是哪个月：{text}")
    month = _chinese_number(match.group("month"))
    if not 1 <= month <= 12:
        raise MonthParseError(f"没有{month}月")
    if match.group("year"):
        return YearMonth(_chinese_number(match.group("year")), month)
    rel_year = match.group("rel_year")
    if rel_year:
        offset = {"前年": -2, "去年": -1, "今年": 0, "明年": 1}[rel_year]
        return YearMonth(today.year + offset, month)
    latest_allowed = current.plus_months(1)
    candidate = YearMonth(today.year + 1, month)
    while candidate > latest_allowed:
        candidate = candidate.plus_months(-12)
    return candidate
