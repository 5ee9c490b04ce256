"""Load generator: concurrent resident conversations over Rasa's REST channel (asyncio + httpx).

Each simulated resident is one sender id that sends a realistic sequence of messages, waiting for each
answer before the next message (as a person in a chat does). `concurrency` residents talk at the same
time; when one finishes a conversation it starts a new one with a new sender id.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional, Sequence

import httpx

from .stats import latency_summary

REST_PATH = "/webhooks/rest/webhook"


@dataclass(frozen=True)
class Message:
    text: str
    kind: str  # computed (dates computed by the action), policy (other action answers), chitchat (responses)


@dataclass(frozen=True)
class Scenario:
    name: str
    messages: tuple[Message, ...]


def _scenario(name: str, *turns: tuple[str, str]) -> Scenario:
    return Scenario(name, tuple(Message(text, kind) for text, kind in turns))


# Resident conversations for 政策通: policy questions with computed answers, multi-turn follow-ups that
# fill slots, fixed policy answers and chit-chat. None of them hands off (a handed-off conversation is
# silent, which the load test would count as an error).
POLICY_QA_SCENARIOS: tuple[Scenario, ...] = (
    _scenario(
        "arrival_in_service_then_retired",
        ("你好", "chitchat"),
        ("我在职，1月份的钱什么时候到", "computed"),
        ("那退休的呢", "computed"),
        ("医保个人账户这些规定是哪个文件定的", "policy"),
        ("谢谢", "chitchat"),
    ),
    _scenario(
        "arrival_asked_step_by_step",
        ("医保存折的钱什么时候到账", "policy"),
        ("退休", "policy"),
        ("十二月份的", "computed"),
        ("那在职的呢", "computed"),
        ("好的，再见", "chitchat"),
    ),
    _scenario(
        "reimbursement",
        ("您好", "chitchat"),
        ("发票复印件能报销吗", "policy"),
        ("三伏贴多少钱", "policy"),
        ("三伏贴医保能报吗", "policy"),
        ("谢谢", "chitchat"),
    ),
    _scenario(
        "social_security",
        ("单位按最低工资给我交社保，我实际工资高多了，去哪投诉", "policy"),
        ("退休以后还能补交社保吗", "policy"),
        ("我以前被单位除名了，连续工龄还算吗", "policy"),
        ("谢谢你", "chitchat"),
    ),
    _scenario(
        "account_basics",
        ("你能做什么", "chitchat"),
        ("医保个人账户里的钱是归谁的？是我自己的吗", "policy"),
        ("我能自己往医保存折里存点钱吗", "policy"),
        ("在村卫生室看病能用医保吗", "policy"),
        ("拜拜", "chitchat"),
    ),
    _scenario(
        "arrival_retired_months",
        ("我是退休的，一月份医保存折的钱啥时候能到账", "computed"),
        ("七月份的呢", "computed"),
        ("在职人员十一月的医保个人账户钱什么时候能到", "computed"),
        ("我是灵活就业的，有没有医保存折", "policy"),
        ("谢谢", "chitchat"),
    ),
)

# Rasa's starter bot (`rasa init`) understands English moods only: the same number of conversations
# and messages per conversation as above, in its own language, so that it answers normally.
STARTER_BOT_SCENARIOS: tuple[Scenario, ...] = (
    _scenario(
        "starter_1",
        ("hello", "chitchat"),
        ("I am sad", "chitchat"),
        ("yes", "chitchat"),
        ("are you a bot?", "chitchat"),
        ("bye", "chitchat"),
    ),
    _scenario(
        "starter_2",
        ("good morning", "chitchat"),
        ("my day was horrible", "chitchat"),
        ("no", "chitchat"),
        ("I am great", "chitchat"),
        ("goodbye", "chitchat"),
    ),
    _scenario(
        "starter_3",
        ("hey", "chitchat"),
        ("am I talking to a bot?", "chitchat"),
        ("perfect", "chitchat"),
        ("I am feeling very good", "chitchat"),
        ("bye bye", "chitchat"),
    ),
    _scenario(
        "starter_4",
        ("hello there", "chitchat"),
        ("I am very sad", "chitchat"),
        ("yes", "chitchat"),
        ("see you later", "chitchat"),
    ),
    _scenario(
        "starter_5",
        ("hi", "chitchat"),
        ("are you a human?", "chitchat"),
        ("I am unhappy", "chitchat"),
        ("indeed", "chitchat"),
        ("goodbye", "chitchat"),
    ),
    _scenario(
        "starter_6",
        ("hey there", "chitchat"),
        ("I'm sad", "chitchat"),
        ("of course", "chitchat"),
        ("very good", "chitchat"),
        ("good night", "chitchat"),
    ),
)


@dataclass
class Sample:
    start: float  # monotonic seconds
    latency: float
    kind: str
    error: Optional[str] = None  # None = answered


@dataclass
class LoadResult:
    label: str
    concurrency: int
    wall_s: float
    conversations: int
    samples: list[Sample] = field(default_factory=list)

    def summary(self) -> dict:
        answered = [s.latency for s in self.samples if s.error is None]
        errors = Counter(s.error for s in self.samples if s.error is not None)
        kinds = sorted({s.kind for s in self.samples})
        return {
            "label": self.label,
            "concurrency": self.concurrency,
            "conversations": self.conversations,
            "messages": len(self.samples),
            "answered": len(answered),
            "errors": sum(errors.values()),
            "error_kinds": dict(errors),
            "wall_s": round(self.wall_s, 3),
            "throughput_msg_s": round(len(answered) / self.wall_s, 3) if self.wall_s > 0 else None,
            "latency": latency_summary(answered),
            "latency_by_kind": {
                kind: latency_summary([s.latency for s in self.samples if s.kind == kind and s.error is None])
                for kind in kinds
            },
        }


def is_answer(body: object) -> bool:
    """A REST reply counts as an answer when it has at least one message with text, buttons or an image."""
    return isinstance(body, list) and any(
        isinstance(m, dict) and (m.get("text") or m.get("buttons") or m.get("image")) for m in body
    )


def degraded_texts() -> tuple[str, ...]:
    """Polite stand-in replies of this project that are not answers: the action server could not be
    reached (bot/remote_action.py) or the sender was rate limited (bot/rate_limit.py)."""
    from bot.rate_limit import TOO_FAST_TEXT
    from bot.remote_action import UNAVAILABLE_TEXT

    return UNAVAILABLE_TEXT, TOO_FAST_TEXT


async def send(
    client: httpx.AsyncClient, url: str, sender: str, text: str, degraded: Sequence[str] = ()
) -> Optional[str]:
    """One message; None when answered, else a short error kind."""
    try:
        response = await client.post(url + REST_PATH, json={"sender": sender, "message": text})
    except httpx.TimeoutException:
        return "timeout"
    except httpx.HTTPError as error:
        return f"exception:{type(error).__name__}"
    return reply_error(response, degraded)


def reply_error(response: httpx.Response, degraded: Sequence[str] = ()) -> Optional[str]:
    """None when the REST response is an answer, else a short error kind."""
    if response.status_code != 200:
        return f"http_{response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return "invalid_json"
    if not is_answer(body):
        return "empty_reply"
    if degraded and any(isinstance(m, dict) and m.get("text") in degraded for m in body):
        return "degraded_reply"
    return None


async def run_load(
    url: str,
    scenarios: Sequence[Scenario],
    concurrency: int,
    *,
    duration: Optional[float] = None,
    conversations_per_worker: Optional[int] = None,
    max_turns: Optional[int] = None,
    timeout: float = 120,
    label: str = "load",
    degraded: Sequence[str] = (),
) -> LoadResult:
    """`concurrency` residents, each talking conversation after conversation until `duration` seconds
    have passed (no new message is started after that) or until each had `conversations_per_worker`
    conversations. Throughput = answered messages / wall time. A reply whose text is one of `degraded`
    counts as an error."""
    if (duration is None) == (conversations_per_worker is None):
        raise ValueError("give exactly one of duration and conversations_per_worker")
    run_id = uuid.uuid4().hex[:6]
    samples: list[Sample] = []
    conversations = 0
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        start = time.monotonic()
        deadline = start + duration if duration is not None else None

        async def worker(index: int) -> None:
            nonlocal conversations
            number = 0
            while True:
                if conversations_per_worker is not None and number >= conversations_per_worker:
                    return
                if deadline is not None and time.monotonic() >= deadline:
                    return
                scenario = scenarios[(index + number * concurrency) % len(scenarios)]
                sender = f"bench-{label}-{run_id}-c{concurrency}-w{index}-{number}"
                number += 1
                conversations += 1
                for message in scenario.messages[:max_turns]:
                    if deadline is not None and time.monotonic() >= deadline:
                        return
                    began = time.monotonic()
                    error = await send(client, url, sender, message.text, degraded)
                    samples.append(Sample(began - start, time.monotonic() - began, message.kind, error))
                    if error is not None:
                        break  # a broken conversation is not continued

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        wall = time.monotonic() - start
    return LoadResult(label, concurrency, wall, conversations, samples)


def run_levels(
    url: str, scenarios: Sequence[Scenario], levels: Sequence[int], label: str, on_level=None, **kwargs
) -> list[dict]:
    """run_load for each concurrency level in turn; `on_level(concurrency)` is called before each."""
    results = []
    for concurrency in levels:
        if on_level:
            on_level(concurrency)
        results.append(asyncio.run(run_load(url, scenarios, concurrency, label=label, **kwargs)).summary())
    return results
