"""Canned replies at the console: the fixed phrases and a search over the knowledge base whose choice
inserts a fact's answer with its basis and source (console server without the model)."""

import httpx
import pytest

from bot.console.accounts import save_account
from policy_core import canned, wording
from policy_core.answers import PolicyService

PASSWORD = "Desk-pass-2024"


@pytest.fixture
def url(tmp_path, console_server):
    save_account("wang", PASSWORD, "王小明", path=tmp_path / "agents.yml")
    return console_server()[0]


def login(url) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    assert client.post("/console/login", data={"username": "wang", "password": PASSWORD}).status_code == 303
    return client


def test_the_knowledge_api_needs_a_login_and_finds_the_fact_with_its_basis(url):
    anonymous = httpx.get(url + "/console/api/knowledge", params={"q": "失业金多久"}, timeout=30)
    assert anonymous.status_code == 401 and "results" not in anonymous.text

    wang = login(url)
    found = wang.get("/console/api/knowledge", params={"q": "失业金多久"})
    assert found.status_code == 200 and found.headers["x-content-type-options"] == "nosniff"
    results = found.json()["results"]
    assert 1 <= len(results) <= 8
    first = results[0]
    assert first["fact_id"] == "cn_unemployment_benefit_period"
    assert (first["title"], first["region"]) == ("失业保险金最长能领多久", "全国")
    assert first["text"].startswith("【全国】按失业前单位和本人累计缴费时间算")
    assert "依据：《中华人民共和国社会保险法》第四十六条；《失业保险条例》第十七条" in first["text"]
    assert "出处：" in first["text"]

    fixed = wang.get("/console/api/knowledge", params={"q": "  "}).json()["results"]
    assert [r["title"] for r in fixed] == ["问候", "请留电话", "结束语"]
    assert [r["text"] for r in fixed] == [text for _, text in wording.CANNED_REPLIES]
    assert all(r["region"] == "" and r["fact_id"] is None for r in fixed)
    assert wang.get("/console/api/knowledge").json()["results"] == fixed  # no q at all


def test_search_is_limited_to_eight_and_ignores_noise():
    knowledge = PolicyService.load().knowledge
    assert len(canned.search(knowledge, "医保")) == 8
    assert canned.search(knowledge, "zzzz qqqq") == []
    fact = next(f for f in knowledge.facts if f.id == "cn_unemployment_benefit_period")
    assert wording.canned_fact(fact) == f"【{wording.where(fact)}】{fact.answer}\n{wording.details([fact])}"


def test_the_console_page_has_the_canned_reply_search(url):
    page = login(url).get("/console/").text
    assert 'id="canned-q"' in page and 'id="canned-results"' in page
    assert page.index('id="canned-q"') < page.index('id="reply"')  # next to the reply box
    script = login(url).get("/console/static/console.js").text
    assert '"knowledge?q="' in script and "result.text" in script
