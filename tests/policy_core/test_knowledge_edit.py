"""Example questions written into a copy of the knowledge files (comments and layout kept, checks still
passing, nothing written on a collision) and new-fact drafts that the loader does not read."""

import difflib
import shutil

import pytest
import yaml

from policy_core import knowledge_edit, validate
from policy_core.config import PROJECT_ROOT
from policy_core.knowledge_base import load_knowledge_base

FACT = "cn_unemployment_benefit_period"


@pytest.fixture
def knowledge(tmp_path, monkeypatch):
    directory = tmp_path / "knowledge"
    directory.mkdir()
    for path in (PROJECT_ROOT / "knowledge").glob("*.yml"):
        shutil.copyfile(path, directory / path.name)
    monkeypatch.setenv("POLICY_KNOWLEDGE_DIR", str(directory))
    return directory


def fact_of(directory, fact_id):
    return next(f for f in load_knowledge_base(directory).facts if f.id == fact_id)


def test_examples_are_appended_and_nothing_else_in_the_file_changes(knowledge):
    fact = fact_of(knowledge, FACT)
    path = knowledge / fact.file
    before = path.read_text(encoding="utf-8")
    added = knowledge_edit.add_examples(
        FACT, ["失业金到底最多能领几个月", "yes", "  ", "/unemployment", "失业金到底最多能领几个月？"]
    )
    assert added.added == ("失业金到底最多能领几个月", "yes") and added.already_there == ()
    after = path.read_text(encoding="utf-8")
    changes = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changes == ["+      - 失业金到底最多能领几个月", "+      - 'yes'"]  # quoted: YAML 1.1 reads yes as true
    assert fact_of(knowledge, FACT).questions == (*fact.questions, "失业金到底最多能领几个月", "yes")
    assert validate.main(str(knowledge)) == 0  # what `make validate` runs

    again = knowledge_edit.add_examples(FACT, ["失业金到底最多能领几个月！"])
    assert again.added == () and again.already_there == ("失业金到底最多能领几个月！",)
    assert path.read_text(encoding="utf-8") == after


def test_a_question_another_topic_has_is_refused_and_nothing_is_written(knowledge):
    facts = load_knowledge_base(knowledge).facts
    target = fact_of(knowledge, FACT)
    other = next(f for f in facts if f.topic != target.topic and f.questions)
    before = {p.name: p.read_bytes() for p in knowledge.glob("*.yml")}
    with pytest.raises(knowledge_edit.ExampleCollision) as refused:
        knowledge_edit.add_examples(FACT, ["一个全新的问法", other.questions[0] + "？"])
    message = str(refused.value)
    assert other.id in message and other.title in message and "未写入" in message
    assert [c.fact.id for c in refused.value.collisions] == [other.id]
    assert {p.name: p.read_bytes() for p in knowledge.glob("*.yml")} == before


def test_an_unknown_fact_is_refused(knowledge):
    with pytest.raises(knowledge_edit.UnknownFact):
        knowledge_edit.add_examples("no_such_fact", ["失业金怎么领"])


def test_a_comment_after_the_examples_stays_after_the_new_ones(knowledge):
    path = knowledge / "zz_test.yml"
    path.write_text(
        "# test facts\nfacts:\n  - id: zz_fact\n    topic: zz_topic\n    region: 全国\n    applies_to: [all]\n"
        "    title: 测试\n    subject: [[测试]]\n    answer: 测试答案\n    basis:\n      - title: 测试依据\n"
        "    source: seed_000\n    questions:\n      - 旧问法\n    # about what follows\n    offer_handoff: true\n",
        encoding="utf-8",
    )
    sources = yaml.safe_load((knowledge / "sources.yml").read_text(encoding="utf-8"))["sources"]
    path.write_text(path.read_text(encoding="utf-8").replace("seed_000", sources[0]["id"]), encoding="utf-8")
    load_knowledge_base(knowledge)
    knowledge_edit.add_examples("zz_fact", ["新问法"])
    text = path.read_text(encoding="utf-8")
    assert "      - 旧问法\n      - 新问法\n    # about what follows\n    offer_handoff: true\n" in text


def test_a_draft_is_written_apart_and_not_loaded(knowledge, capsys):
    from datetime import date

    count = len(load_knowledge_base(knowledge).facts)
    first = knowledge_edit.write_draft(
        ["社保卡丢了怎么补办", "no", "社保卡丢了怎么补办"], date(2026, 12, 1), ["社保卡补办"]
    )
    second = knowledge_edit.write_draft(["社保卡掉了"], date(2026, 12, 1))
    assert first == knowledge / "drafts" / "2026-12-01-1.yml" and second.name == "2026-12-01-2.yml"
    text = first.read_text(encoding="utf-8")
    assert text.startswith("# 新知识草稿") and "社保卡补办" in text and "make train" in text
    [draft] = yaml.safe_load(text)["facts"]
    assert draft["questions"] == ["社保卡丢了怎么补办", "no"] and draft["title"] == "TODO"
    assert len(load_knowledge_base(knowledge).facts) == count  # drafts are not live
    capsys.readouterr()
    assert validate.main(str(knowledge)) == 0
    assert "2 draft(s) to complete" in capsys.readouterr().out  # make validate reminds the operator
    # Moved into knowledge/ as it is, the incomplete draft fails validation instead of going live.
    shutil.copyfile(first, knowledge / "draft.yml")
    assert validate.main(str(knowledge)) == 1
