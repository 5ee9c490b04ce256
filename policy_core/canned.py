"""Canned replies for the agent console: the fixed ones (policy_core/wording.py) and a search over the
knowledge base by each fact's title and example questions (rapidfuzz), best first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from rapidfuzz import fuzz, utils

from . import wording
from .knowledge_base import KnowledgeBase, PolicyFact

MAX_RESULTS = 8
MIN_SCORE = 50.0  # WRatio below this is noise
MAX_QUERY_CHARS = 100


@dataclass(frozen=True)
class CannedReply:
    title: str
    region: str  # where a fact applies; "" for the fixed replies
    text: str  # inserted into the reply box, for the agent to edit
    fact_id: Optional[str] = None


def fixed_replies() -> list[CannedReply]:
    return [CannedReply(title, "", text) for title, text in wording.CANNED_REPLIES]


def _score(query: str, fact: PolicyFact) -> tuple[float, float]:
    """The best WRatio over the title and example questions; ties are broken by the closest plain ratio."""
    texts = (fact.title, *fact.questions)
    best = max(fuzz.WRatio(query, text, processor=utils.default_process) for text in texts)
    closest = max(fuzz.ratio(query, text, processor=utils.default_process) for text in texts)
    return best, closest


def search(knowledge: KnowledgeBase, query: str, limit: int = MAX_RESULTS) -> list[CannedReply]:
    """The facts closest to `query`, at most `limit`; the fixed replies for an empty query."""
    query = query.strip()[:MAX_QUERY_CHARS]
    if not query:
        return fixed_replies()[:limit]
    scored = [(_score(query, fact), index, fact) for index, fact in enumerate(knowledge.facts)]
    scored = [item for item in scored if item[0][0] >= MIN_SCORE]
    scored.sort(key=lambda item: (-item[0][0], -item[0][1], item[1]))
    return [
        CannedReply(fact.title, wording.where(fact), wording.canned_fact(fact), fact.id)
        for _, _, fact in scored[:limit]
    ]
