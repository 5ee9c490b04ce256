"""The one PolicyService and HandoffQueue the action server uses, created on first use."""
from __future__ import annotations

import os
from functools import lru_cache

from policy_core.handoff import HandoffQueue
from policy_core.service_hours import ServiceHours

from policy_core import PolicyService, load_knowledge_base
from policy_core.knowledge_base import DEFAULT_KNOWLEDGE_DIR


@lru_cache(maxsize=1)
def policy_service() -> PolicyService:
    return PolicyService(load_knowledge_base(os.environ.get("POLICY_KNOWLEDGE_DIR", DEFAULT_KNOWLEDGE_DIR)))


@lru_cache(maxsize=1)
def handoff_queue() -> HandoffQueue:
    return HandoffQueue()


@lru_cache(maxsize=1)
def service_hours() -> ServiceHours:
    return ServiceHours.from_env()
