"""make validate: check the knowledge files; every error names the file and the entry.

Loads the facts (schema, sources, colliding example questions), the routing table and the answerability
settings, and checks every cited law article against ../shared/laws.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .answerability import load_gate_settings
from .knowledge_base import DEFAULT_KNOWLEDGE_DIR, KnowledgeBaseError, load_knowledge_base
from .knowledge_edit import DRAFTS_DIR
from .law_texts import all_citation_problems
from .routing import load_routing_table
from .spelling import load_spelling_settings


def main(directory: str = str(DEFAULT_KNOWLEDGE_DIR)) -> int:
    try:
        knowledge = load_knowledge_base(directory)
        load_routing_table(directory)
        load_gate_settings(directory)
        load_spelling_settings(directory)
    except KnowledgeBaseError as error:
        print(f"knowledge/{error}", file=sys.stderr)
        return 1
    problems = all_citation_problems(knowledge)
    for entry, found in problems.items():
        for problem in found:
            print(f"knowledge/{entry}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"knowledge/: {len(knowledge.facts)} facts in {len(knowledge.topics)} topics, all citations checked")
    drafts = sorted((Path(directory) / DRAFTS_DIR).glob("*.yml"))
    if drafts:  # written from the review page; not live until completed and moved into a knowledge file
        names = ", ".join(d.name for d in drafts)
        print(f"knowledge/{DRAFTS_DIR}/: {len(drafts)} draft(s) to complete and move into knowledge/: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
