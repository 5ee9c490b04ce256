import shutil
from pathlib import Path

import pytest
import yaml

from policy_core.categories import PersonCategory
from policy_core.knowledge_base import (
    DEFAULT_KNOWLEDGE_DIR,
    KnowledgeBaseError,
    load_knowledge_base,
    term_in,
)

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def test_shipped_knowledge_base_loads_and_every_fact_is_sourced():
    kb = load_knowledge_base()
    assert len(kb.facts) >= 20
    for fact in kb.facts:
        assert fact.basis, fact.id
        assert fact.source.date, fact.id
        assert fact.region, fact.id
        assert fact.answer and " " not in fact.answer.strip()[:5], fact.id


def test_seed_sources_name_existing_seed_files():
    kb = load_knowledge_base()
    for source in kb.sources.values():
        if source.file:
            assert source.file.endswith(".txt")
            if SEEDS.exists():
                assert (SEEDS / source.file).exists(), source.file


def test_eligibility_facts_cover_every_category():
    kb = load_knowledge_base()
    covered = {c for f in kb.by_topic("account_eligibility") for c in f.applies_to}
    assert covered == {c.value for c in PersonCategory}


@pytest.fixture
def kb_copy(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, target)
    return target


def _edit(path: Path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d["facts"][0].pop("basis"), "missing required field 'basis'"),
        (lambda d: d["facts"][0].update(basis=[]), "at least one policy basis"),
        (lambda d: d["facts"][0].update(source="nowhere"), "not listed in sources.yml"),
        (lambda d: d["facts"][0].update(applies_to=["student"]), "unknown person category"),
        (lambda d: d["facts"][0].update(answer="  "), "field 'answer' is empty"),
        (lambda d: d["facts"][1].update(id=d["facts"][0]["id"]), "duplicate id"),
        (lambda d: d["facts"][3]["rule"].update(day_of_month=31), "arrival rule"),
        (lambda d: d["facts"][3].pop("subject"), "missing required field 'subject'"),
        (lambda d: d["facts"][3]["rule"].update(kind="magic"), "unknown rule kind"),
        (lambda d: d["facts"][3]["subject"][1].append("re:(几号"), "bad pattern term"),
        (lambda d: d["facts"][3].update(english={"subject": [["when"]]}), "missing required field 'answer'"),
        (lambda d: d["facts"][3].update(english="when"), "field 'english' must be a mapping"),
    ],
)
def test_bad_fact_is_reported_with_file_and_entry(kb_copy, change, problem):
    path = kb_copy / "beijing_personal_account.yml"
    original = yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]
    _edit(path, change)
    with pytest.raises(KnowledgeBaseError) as error:
        load_knowledge_base(kb_copy)
    message = str(error.value)
    assert "beijing_personal_account.yml" in message
    assert problem in message
    assert any(f"'{fact['id']}'" in message or "#" in message for fact in original)


def test_bad_reimbursement_verdict(kb_copy):
    _edit(kb_copy / "reimbursement.yml", lambda d: d["facts"][0]["rule"].update(verdict="maybe"))
    with pytest.raises(KnowledgeBaseError, match=r"reimbursement.yml: entry 'sz_receipt_photocopy': unknown verdict"):
        load_knowledge_base(kb_copy)


def test_bad_source_date(kb_copy):
    _edit(kb_copy / "sources.yml", lambda d: d["sources"][0].update(date="July 2020"))
    with pytest.raises(KnowledgeBaseError, match=r"sources.yml: entry 'seed_000'.*YYYY"):
        load_knowledge_base(kb_copy)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.gov.cn/x", "https://a b.cn", 3])
def test_a_source_url_must_be_a_plain_web_address(kb_copy, url):
    _edit(kb_copy / "sources.yml", lambda d: d["sources"][0].update(url=url))
    with pytest.raises(KnowledgeBaseError, match=r"sources.yml: entry 'seed_000'.*url"):
        load_knowledge_base(kb_copy)


def test_a_source_with_an_official_address_is_named_with_it(kb_copy):
    _edit(kb_copy / "sources.yml", lambda d: d["sources"][4].update(url="https://flk.npc.gov.cn/detail.html?x=1"))
    source = load_knowledge_base(kb_copy).sources["law_social_insurance"]
    assert source.describe() == "《中华人民共和国社会保险法》（2018-12-29版本） https://flk.npc.gov.cn/detail.html?x=1"


def test_invalid_yaml_names_the_file(kb_copy):
    (kb_copy / "broken.yml").write_text("facts: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="broken.yml"):
        load_knowledge_base(kb_copy)


def test_missing_sources_file(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="sources.yml"):
        load_knowledge_base(tmp_path)


def test_a_pattern_term_matches_wordings_a_list_would_miss():
    assert term_in("re:几[号好日](才|能|就)?(到|来|有)", "退休的十二月分个帐几好到")
    assert not term_in("re:几[号好日](才|能|就)?(到|来|有)", "几号交医保")
    # A plain term is a substring, and is not read as a pattern.
    assert term_in("到账", "钱什么时候到账") and not term_in("(到", "什么时候到账")
