"""The official law texts in ../shared/laws (one Markdown file per law, named with its version date), read by
article, so that every article a fact cites can be checked against the text."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from .config import PROJECT_ROOT
from .knowledge_base import KnowledgeBase, PolicyFact

_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百零〇]+条)(?:之[一二三四五六七八九十]+)?[\s　]", re.M)


def laws_dir() -> Path:
    return Path(os.environ.get("POLICY_LAWS_DIR") or PROJECT_ROOT.parent / "shared" / "laws")


@lru_cache(maxsize=16)
def articles(law_file: str) -> dict[str, str]:
    """Article number (第四十六条) → its full text, up to the next article or heading."""
    text = (laws_dir() / law_file).read_text(encoding="utf-8")
    found: dict[str, str] = {}
    matches = list(_ARTICLE.finditer(text))
    for match, following in zip(matches, [*matches[1:], None]):
        end = following.start() if following else len(text)
        body = text[match.start() : end]
        body = body.split("\n## ")[0]  # a chapter heading ends the article
        found.setdefault(match.group(1), body.strip())
    return found


def citation_problems(fact: PolicyFact, law_files: dict[str, str]) -> list[str]:
    """What is wrong with a fact's law citations: an article missing from the law text, or a key figure that
    is not in the first cited article. `law_files` maps a law's title to its file."""
    problems = []
    cited = [b for b in fact.basis if b.title in law_files]
    if fact.source.is_law and not any(b.title == fact.source.title for b in cited):
        problems.append(f"no basis names the source law {fact.source.title}")
    for basis in cited:
        texts = articles(law_files[basis.title])
        if not basis.article or basis.article not in texts:
            problems.append(f"{basis.title} has no {basis.article} in {law_files[basis.title]}")
    if cited and fact.key_figures:
        first = articles(law_files[cited[0].title]).get(cited[0].article or "", "")
        problems += [
            f"key figure {figure!r} is not in {cited[0].title}{cited[0].article}"
            for figure in fact.key_figures
            if figure not in first
        ]
    if fact.source.is_law and not fact.key_figures:
        problems.append("a fact from a law names at least one key figure of its article")
    return problems


def all_citation_problems(knowledge: KnowledgeBase) -> dict[str, list[str]]:
    law_files = {s.title: s.law_file for s in knowledge.sources.values() if s.is_law}
    return {f"{fact.file}: {fact.id}": p for fact in knowledge.facts if (p := citation_problems(fact, law_files))}
