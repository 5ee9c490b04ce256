"""Every article a fact cites exists in the official text in ../shared/laws, with the fact's key figures."""

import shutil
from collections import Counter

import pytest
import yaml

from policy_core import load_knowledge_base
from policy_core.knowledge_base import DEFAULT_KNOWLEDGE_DIR
from policy_core.law_texts import all_citation_problems, articles, laws_dir


def test_the_law_texts_are_there():
    files = sorted(p.name for p in laws_dir().glob("*.md"))
    assert len(files) == 8, files
    assert articles("社会保险法(2018-12-29).md")["第八十六条"].count("万分之五") == 1


def test_every_cited_article_and_key_figure_is_in_the_law_text():
    knowledge = load_knowledge_base()
    assert all_citation_problems(knowledge) == {}


def test_at_least_sixty_facts_from_national_law_with_their_version_date():
    knowledge = load_knowledge_base()
    law_facts = [f for f in knowledge.facts if f.source.is_law]
    assert len(law_facts) >= 60
    per_law = Counter(f.source.title for f in law_facts)
    assert len(per_law) >= 6, per_law
    for fact in law_facts:
        assert fact.source.date in fact.source.law_file, fact.id  # the version the answer rests on
        assert fact.applies_to and fact.route, fact.id


def _first_law_fact(data):
    return next(f for f in data["facts"] if f.get("key_figures"))


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda f: f["basis"][0].update(article="第九百九十九条"), "has no 第九百九十九条"),
        (lambda f: f["basis"][0].update(article="第一条"), "is not in"),  # a wrong but existing article
        (lambda f: f.update(key_figures=["九十九个月"]), "key figure '九十九个月'"),
    ],
)
def test_a_changed_or_mistyped_article_fails(tmp_path, change, problem):
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, target)
    path = target / "law_unemployment.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(_first_law_fact(data))
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = all_citation_problems(load_knowledge_base(target))
    assert any(problem in p for found in problems.values() for p in found), problems
