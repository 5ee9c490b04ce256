"""The one PolicyService, HandoffQueue, AnswerLog and ServiceHours the action server uses, created on first use."""

from __future__ import annotations

import os
from functools import lru_cache

from policy_core import PolicyService
from policy_core.answer_log import AnswerLog
from policy_core.handoff import HandoffQueue
from policy_core.knowledge_base import DEFAULT_KNOWLEDGE_DIR
from policy_core.service_hours import ServiceHours


@lru_cache(maxsize=1)
def policy_service() -> PolicyService:
    return PolicyService.load(os.environ.get("POLICY_KNOWLEDGE_DIR", DEFAULT_KNOWLEDGE_DIR))


@lru_cache(maxsize=1)
def handoff_queue() -> HandoffQueue:
    return HandoffQueue()


@lru_cache(maxsize=1)
def service_hours() -> ServiceHours:
    return ServiceHours.from_env()


@lru_cache(maxsize=1)
def answer_log() -> AnswerLog:
    return AnswerLog()
