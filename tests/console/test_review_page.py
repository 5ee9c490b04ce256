"""The review page's API against the console server (no model): who may use it, groups appearing after
unanswered questions and 👎, an operator turning groups into examples, a draft or nothing, the daily
figures as CSV, and forged, stale or oversized requests refused. Records are written with AnswerLog.record
and .rate, as the action server writes them; the knowledge is a temporary copy (POLICY_KNOWLEDGE_DIR)."""

import csv
import io
import shutil
from datetime import datetime

import httpx
import pytest

from bot.console.accounts import AccountError, AgentAccount, load_accounts, main, save_account
from policy_core import validate
from policy_core.answer_log import AnswerLog, AnswerRating
from policy_core.answers import CHINA_TIME
from policy_core.config import PROJECT_ROOT
from policy_core.handoff import HandoffQueue, HandoffReason, Rating
from policy_core.knowledge_base import load_knowledge_base

PASSWORD = "Desk-pass-2024"
FACT = "cn_unemployment_benefit_period"
REAL_KNOWLEDGE = PROJECT_ROOT / "knowledge"


@pytest.fixture
def review(tmp_path, console_server):
    """(url, answer log, queue, knowledge copy) of a console server with agent wang, operator ops and the
    supervisor boss."""
    accounts = tmp_path / "agents.yml"
    save_account("wang", PASSWORD, "王小明", path=accounts)
    save_account("ops", PASSWORD, "运营小张", path=accounts, role="operator")
    save_account("boss", PASSWORD, "赵主任", path=accounts, role="supervisor")
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for path in REAL_KNOWLEDGE.glob("*.yml"):
        shutil.copyfile(path, knowledge / path.name)
    url, _ = console_server({"POLICY_KNOWLEDGE_DIR": str(knowledge)})
    database = f"sqlite:///{tmp_path / 'var' / 'handoff.db'}"
    return url, AnswerLog(database), HandoffQueue(database), knowledge


def login(url, username) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    assert client.post("/console/login", data={"username": username, "password": PASSWORD}).status_code == 303
    client.headers["X-CSRF-Token"] = client.get("/console/api/me").json()["csrf_token"]  # as review.js does
    return client


def snapshot(directory):
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*.yml")}


def groups_of(client):
    response = client.get("/console/api/review/groups")
    assert response.status_code == 200, response.text
    return response.json()["groups"]


def group_with(client, question):
    return next(g for g in groups_of(client) if any(q["text"] == question for q in g["questions"]))


REVIEW_GETS = [
    "/console/review",
    "/console/api/review/groups",
    "/console/api/review/facts",
    "/console/api/review/figures",
    "/console/api/review/figures.csv",
]
REVIEW_POSTS = ["/console/api/review/examples", "/console/api/review/draft", "/console/api/review/dismiss"]


def test_the_operator_role_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AGENT_ACCOUNTS_FILE", str(tmp_path / "agents.yml"))
    monkeypatch.setenv("AGENT_PASSWORD", PASSWORD)
    assert main(["add", "ops", "--name", "运营小张", "--role", "operator"]) == 0
    account = load_accounts()["ops"]
    assert (account.role, account.works_tickets, account.reviews_answers) == ("operator", False, True)
    assert main(["list"]) == 0 and "ops\t运营小张\toperator" in capsys.readouterr().out
    assert main(["add", "ops"]) == 0 and load_accounts()["ops"].role == "operator"  # a new password keeps it
    roles = {r: AgentAccount("x", "x", "h", r) for r in ("agent", "supervisor", "operator")}
    assert [(r, a.works_tickets, a.reviews_answers) for r, a in roles.items()] == [
        ("agent", True, False),
        ("supervisor", True, True),
        ("operator", False, True),
    ]
    with pytest.raises(SystemExit):
        main(["add", "ops", "--role", "admin"])
    with pytest.raises(AccountError, match="operator"):
        save_account("ops", PASSWORD, role="admin")
    (tmp_path / "agents.yml").write_text("agents:\n  x1: {password_hash: h, role: admin}\n", encoding="utf-8")
    with pytest.raises(AccountError, match="agent, supervisor, operator"):
        load_accounts()


def test_only_operators_and_supervisors_may_review_and_operators_do_not_work_tickets(review):
    url, log, queue, knowledge = review
    lost = log.record("r1", "rest", "社保卡丢了怎么补办", "routed", subject="社保卡补办")
    before = snapshot(knowledge)

    for path in REVIEW_GETS + REVIEW_POSTS:
        anonymous = httpx.request("POST" if path in REVIEW_POSTS else "GET", url + path, json={"ids": [lost]})
        assert anonymous.status_code == 401, path

    wang = login(url, "wang")
    page = wang.get("/console/review")
    assert page.status_code == 403 and "没有复核页的权限" in page.text and "groups" not in page.text
    for path in REVIEW_GETS[1:]:
        assert wang.get(path).status_code == 403, path
    for path in REVIEW_POSTS:  # with a valid CSRF token: the role is what is refused
        refused = wang.post(path, json={"ids": [lost], "fact_id": FACT})
        assert refused.status_code == 403 and refused.json()["error"] == "您的账号没有这项权限", path
    assert log.answer(lost).reviewed_at is None and snapshot(knowledge) == before
    assert wang.get("/console/").status_code == 200  # the agent's own console still works

    ops = login(url, "ops")
    me = ops.get("/console/api/me").json()
    assert (me["role"], me["works_tickets"], me["reviews_answers"]) == ("operator", False, True)
    landing = ops.get("/console/")
    assert landing.status_code == 303 and landing.headers["location"] == "/console/review"
    page = ops.get("/console/review")
    assert page.status_code == 200 and "/console/static/review.js" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"] and page.headers["x-frame-options"] == "DENY"
    assert ops.get("/console/static/review.js").status_code == 200
    assert ops.get("/console/static/review.css").status_code == 200
    # Sanic's redirect adds Location to the headers it is given: the shared security headers must not keep it.
    assert "location" not in ops.get("/console/api/me").headers
    assert "location" not in ops.get("/console/api/review/groups").headers

    # No tickets for an operator: not listed, not taken, not a transfer target.
    ticket = queue.open_ticket("r2", "rest", HandoffReason.ASKED_FOR_HUMAN)
    assert ops.get("/console/api/tickets").status_code == 403
    assert ops.post(f"/console/api/tickets/{ticket.id}/take").status_code == 403
    assert ops.get(f"/console/api/tickets/{ticket.id}").status_code == 403
    assert ops.get("/console/api/knowledge", params={"q": "失业金"}).status_code == 403
    assert queue.ticket(ticket.id).status.value == "waiting"
    assert "ops" not in [a["username"] for a in wang.get("/console/api/agents").json()["agents"]]
    assert wang.post(f"/console/api/tickets/{ticket.id}/take").status_code == 200
    assert wang.post(f"/console/api/tickets/{ticket.id}/transfer", json={"to": "ops"}).status_code == 400
    assert queue.ticket(ticket.id).agent == "wang"

    boss = login(url, "boss")
    assert boss.get("/console/").status_code == 200 and 'id="review-link"' in boss.get("/console/").text
    assert boss.get("/console/review").status_code == 200
    assert [g["ids"] for g in groups_of(boss)] == [[lost]]


def test_groups_appear_and_an_operator_turns_them_into_examples_a_draft_or_nothing(review):
    url, log, _, knowledge = review
    real_before = snapshot(REAL_KNOWLEDGE)
    facts = load_knowledge_base(knowledge).facts
    target = next(f for f in facts if f.id == FACT)
    other = next(f for f in facts if f.topic != target.topic and f.questions)

    card = [
        log.record(f"c{i}", "rest", q, "routed", subject="社保卡补办")
        for i, q in enumerate(["社保卡丢了怎么补办", "社保卡丢了去哪补办？", "社保卡丢了怎么补办"])
    ]
    unsure = log.record("u1", "socketio", "失业金最长能领多少个月啊", "answered", fact_ids=[FACT], confidence=0.31)
    down = log.record("u2", "socketio", "失业金最长能领多少个月", "answered", fact_ids=[FACT], confidence=0.93)
    assert log.rate(down, "u2", AnswerRating.DOWN) is not None
    sure = log.record("u3", "rest", "失业保险金最长能领多久", "answered", fact_ids=[FACT], confidence=0.97)
    log.rate(sure, "u3", AnswerRating.UP)
    log.record("u4", "rest", "帮我查一下邻居的医保余额", "declined")
    log.record("u5", "rest", "你好", "chitchat")
    log.record("u6", "rest", "我要转人工", "routed")
    clash = log.record("x1", "rest", other.questions[0], "not_understood")
    odd = log.record("x2", "rest", "这个东西我也说不清楚是什么", "not_understood")

    ops = login(url, "ops")
    groups = groups_of(ops)
    assert sorted(sorted(g["ids"]) for g in groups) == sorted([sorted(card), sorted([unsure, down]), [clash], [odd]])
    first = groups[0]
    assert sorted(first["ids"]) == sorted(card) and first["count"] == 3  # today, and the most frequent
    assert first["questions"][0] == {"text": "社保卡丢了怎么补办", "count": 2}
    assert first["subjects"] == ["社保卡补办"] and first["reasons"][0]["label"] == "无相关知识（已转介）"
    unemployment = group_with(ops, "失业金最长能领多少个月")
    assert {r["reason"] for r in unemployment["reasons"]} == {"low_confidence", "rated_down"}
    assert unemployment["fact_ids"] == [FACT]

    listed = ops.get("/console/api/review/facts").json()["facts"]
    assert {
        "id": FACT,
        "title": target.title,
        "region": target.region,
        "topic": target.topic,
        "file": target.file,
    } in listed and len(listed) == len(facts)

    # Examples for the fact: written into the copy, the knowledge still validates, the group is gone.
    done = ops.post("/console/api/review/examples", json={"ids": unemployment["ids"], "fact_id": FACT})
    assert done.status_code == 200, done.text
    assert done.json()["added"] == ["失业金最长能领多少个月", "失业金最长能领多少个月啊"]
    assert done.json()["file"] == target.file and done.json()["reviewed"] == 2
    changed = next(f for f in load_knowledge_base(knowledge).facts if f.id == FACT)
    assert changed.questions == (*target.questions, "失业金最长能领多少个月", "失业金最长能领多少个月啊")
    assert validate.main(str(knowledge)) == 0
    assert all(unsure not in g["ids"] for g in groups_of(ops))
    assert log.answer(unsure).review_action == f"examples for {FACT} by ops"

    # A question another topic already has: refused, naming that fact; nothing written, the group stays.
    before = snapshot(knowledge)
    refused = ops.post("/console/api/review/examples", json={"ids": [clash], "fact_id": FACT})
    assert refused.status_code == 409 and other.id in refused.json()["error"] and "未写入" in refused.json()["error"]
    assert snapshot(knowledge) == before and any(g["ids"] == [clash] for g in groups_of(ops))

    # A new-fact draft from the card group.
    drafted = ops.post("/console/api/review/draft", json={"ids": first["ids"]})
    assert drafted.status_code == 200, drafted.text
    day = datetime.now(CHINA_TIME).date().isoformat()
    assert drafted.json() == {"reviewed": 3, "group": first["id"], "draft": f"drafts/{day}-1.yml"}
    draft = (knowledge / "drafts" / f"{day}-1.yml").read_text(encoding="utf-8")
    assert "社保卡丢了去哪补办？" in draft and "社保卡补办" in draft and "TODO" in draft
    assert len(load_knowledge_base(knowledge).facts) == len(facts)  # the draft is not live

    # Dismissed: gone, and the list is empty.
    for ids in ([clash], [odd]):
        assert ops.post("/console/api/review/dismiss", json={"ids": ids}).json()["reviewed"] == 1
    assert groups_of(ops) == []
    assert log.answer(odd).review_action == "dismissed by ops"
    assert snapshot(REAL_KNOWLEDGE) == real_before  # the real knowledge/ was never touched


def csv_rows(response):
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="review-figures-') and disposition.endswith('.csv"')
    assert response.content.startswith("\ufeff".encode())  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_the_figures_change_as_expected(review):
    url, log, queue, _ = review
    ops = login(url, "ops")
    before = csv_rows(ops.get("/console/api/review/figures.csv", params={"days": 7}))
    assert len(before) == 8 and before[-1]["日期"] == "合计" and before[-2]["会话数"] == "0"
    assert before[-2]["日期"] == datetime.now(CHINA_TIME).date().isoformat()

    up = log.record("f1", "rest", "失业金能领多久", "answered", fact_ids=[FACT], confidence=0.9)
    log.rate(up, "f1", AnswerRating.UP)
    log.record("f2", "rest", "社保卡丢了", "routed", subject='=HYPERLINK("http://evil.example","点我")')
    down = log.record("f3", "rest", "失业金能领多久", "answered", fact_ids=[FACT], confidence=0.9)
    log.rate(down, "f3", AnswerRating.DOWN)
    log.record("f4", "rest", "我要转人工", "routed")
    ticket = queue.open_ticket("f4", "rest", HandoffReason.ASKED_FOR_HUMAN)
    queue.take(ticket.id, "wang")
    queue.close(ticket.id, "wang")
    queue.record_rating("f4", Rating.SATISFIED)

    after = csv_rows(ops.get("/console/api/review/figures.csv", params={"days": 7}))
    today = after[-2]
    assert (today["会话数"], today["自助解决会话数"], today["自助解决率"]) == ("4", "1", "0.2500")
    assert (today["转人工会话数"], today["转人工率"]) == ("1", "0.2500")
    assert (today["评价的答复数"], today["👍数"], today["👍率"]) == ("2", "1", "0.5000")
    assert (today["评价的人工服务数"], today["人工服务满意率"]) == ("1", "1.0000")
    assert today["最常问的未答主题"] == '\'=HYPERLINK("http://evil.example","点我")（1）'  # never a formula
    assert after[-1]["会话数"] == "4" and all(row["会话数"] == "0" for row in after[:-2])

    data = ops.get("/console/api/review/figures", params={"days": 7}).json()
    assert len(data["days"]) == 7 and data["total"]["self_resolution_rate"] == 0.25
    assert data["days"][-1]["satisfaction_rate"] == 1.0 and data["days"][0]["up_rate"] is None
    assert len(ops.get("/console/api/review/figures", params={"days": "abc"}).json()["days"]) == 30
    assert len(ops.get("/console/api/review/figures", params={"days": 10**9}).json()["days"]) == 366


def test_forged_stale_and_oversized_review_requests_are_refused(review):
    url, log, _, knowledge = review
    pair = [
        log.record(f"p{i}", "rest", q, "routed", subject="社保卡补办")
        for i, q in enumerate(["社保卡丢了怎么补办", "社保卡丢了去哪补办"])
    ]
    single = log.record("s1", "rest", "公积金贷款最多能贷多少", "not_understood")
    answered = log.record("s2", "rest", "失业金能领多久", "answered", fact_ids=[FACT], confidence=0.95)
    before = snapshot(knowledge)
    ops = login(url, "ops")
    dismiss, examples = "/console/api/review/dismiss", "/console/api/review/examples"
    evil = url.rsplit(":", 1)[0] + ":8081"

    # Cross-site and CSRF: the token is needed, the origin must be ours, the body must be JSON.
    assert ops.post(dismiss, json={"ids": pair}, headers={"X-CSRF-Token": ""}).status_code == 403
    assert ops.post(dismiss, json={"ids": pair}, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert ops.post(dismiss, json={"ids": pair}, headers={"Origin": evil}).status_code == 403
    assert ops.post(dismiss, json={"ids": pair}, headers={"Origin": "null"}).status_code == 403
    assert ops.post(dismiss, content=b'{"ids": [1]}', headers={"Content-Type": "text/plain"}).status_code == 415
    assert ops.post(dismiss, data={"ids": "1"}).status_code == 415

    # Malformed ids.
    for body in (
        {},
        {"ids": []},
        {"ids": "1,2"},
        {"ids": [str(pair[0])]},
        {"ids": [True]},
        {"ids": [1.5]},
        {"ids": [pair[0], pair[0]]},
        {"ids": [-1]},
        {"ids": [2**70]},
        {"ids": list(range(1, 502))},
        {"ids": {"a": 1}},
        [],
    ):
        refused = ops.post(dismiss, json=body)
        assert refused.status_code == 400, (body, refused.text)
    assert (
        ops.post(
            dismiss, content=b"[" + b"1," * 20000 + b"1]", headers={"Content-Type": "application/json"}
        ).status_code
        == 413
    )
    assert ops.post(dismiss, content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400

    # Ids that are not one group of the list: two groups, an answered record, an unknown id.
    for ids in ([pair[0], single], [answered], [pair[0], answered], [10**6]):
        refused = ops.post(dismiss, json={"ids": ids})
        assert refused.status_code == 409 and "刷新" in refused.json()["error"], ids
    # The examples action: no fact, an unknown fact, an overlong id.
    assert ops.post(examples, json={"ids": pair}).status_code == 400
    assert ops.post(examples, json={"ids": pair, "fact_id": 7}).status_code == 400
    assert ops.post(examples, json={"ids": pair, "fact_id": "x" * 101}).status_code == 400
    unknown = ops.post(examples, json={"ids": pair, "fact_id": "no_such_fact"})
    assert unknown.status_code == 404 and "no_such_fact" in unknown.json()["error"]
    assert ops.post(examples, json={"ids": [answered], "fact_id": FACT}).status_code == 409

    assert all(r.reviewed_at is None for r in log.records()) and snapshot(knowledge) == before

    # Part of a group is fine (questions may have joined since the page loaded); done twice, it is stale.
    assert ops.post(dismiss, json={"ids": [pair[0]]}).json()["reviewed"] == 1
    stale = ops.post(dismiss, json={"ids": [pair[0]]})
    assert stale.status_code == 409
    assert log.answer(pair[1]).reviewed_at is None and log.answer(single).reviewed_at is None
