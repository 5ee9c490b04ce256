"""The review page in headless Chromium against the console server (no model), at desktop and phone width:
an operator logs in, sees the groups and the charts, turns a group into examples of a fact and dismisses
another. Screenshots: results/console/review-desktop.png, review-phone.png."""

import shutil
from datetime import UTC, datetime, timedelta

import pytest

from bot.console.accounts import save_account
from policy_core.answer_log import AnswerLog, AnswerRating
from policy_core.config import PROJECT_ROOT
from policy_core.handoff import HandoffQueue, HandoffReason, Rating
from policy_core.knowledge_base import load_knowledge_base
from tests.browser import chromium, wait_until

SHOTS = PROJECT_ROOT / "results" / "console"
PASSWORD = "Desk-pass-2024"
FACT = "cn_unemployment_benefit_period"
CSP_WATCH = (
    "window.cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective));"
)


@pytest.fixture
def site(tmp_path, console_server):
    save_account("ops", PASSWORD, "运营小张", path=tmp_path / "agents.yml", role="operator")
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for path in (PROJECT_ROOT / "knowledge").glob("*.yml"):
        shutil.copyfile(path, knowledge / path.name)
    url, _ = console_server({"POLICY_KNOWLEDGE_DIR": str(knowledge)})
    database = f"sqlite:///{tmp_path / 'var' / 'handoff.db'}"
    log, queue = AnswerLog(database), HandoffQueue(database)
    now = datetime.now(UTC)
    # A week of traffic, so that the charts have lines: each day answers, ratings and a routed question,
    # already reviewed (the groups to review follow).
    seeded = []
    for days_ago in range(6, -1, -1):
        at = now - timedelta(days=days_ago)
        for i in range(4 + days_ago % 3):
            seeded.append(
                log.record(f"d{days_ago}-{i}", "socketio", "失业金能领多久", "answered", fact_ids=[FACT], at=at)
            )
            log.rate(seeded[-1], f"d{days_ago}-{i}", AnswerRating.UP if i % 3 else AnswerRating.DOWN)
        seeded.append(log.record(f"d{days_ago}-r", "rest", "异地就医怎么备案", "routed", subject="异地就医备案", at=at))
    log.mark_reviewed(seeded, "seeded")
    ticket = queue.open_ticket("t1", "rest", HandoffReason.ASKED_FOR_HUMAN)
    queue.take(ticket.id, "wang")
    queue.close(ticket.id, "wang")
    queue.record_rating("t1", Rating.SATISFIED)
    for i, text in enumerate(["社保卡丢了怎么补办", "社保卡丢了去哪补办？", "社保卡丢了怎么补办"]):
        log.record(f"card-{i}", "socketio", text, "routed", subject="社保卡补办")
    unsure = log.record("u1", "socketio", "失业金最长能领多少个月啊", "answered", fact_ids=[FACT], confidence=0.3)
    log.rate(unsure, "u1", AnswerRating.DOWN)
    return url, log, knowledge


def open_review(driver, url):
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_WATCH})
    driver.get(url + "/console/review")  # not logged in: the login form
    driver.find_element("id", "username").send_keys("ops")
    driver.find_element("id", "password").send_keys(PASSWORD)
    driver.find_element("id", "submit").click()
    js = driver.execute_script
    # An operator lands on the review page.
    wait_until(lambda: driver.current_url.endswith("/console/review"), "the review page after login")
    wait_until(lambda: js("return document.querySelectorAll('#groups li.group').length") == 2, "the groups")
    wait_until(lambda: js("return document.querySelectorAll('#chart-self circle').length") == 7, "the charts")
    wait_until(lambda: js("return document.getElementById('fact-options').options.length") > 100, "the facts")
    return js


def groups(js):
    return js(
        "return Array.from(document.querySelectorAll('#groups li.group')).map(g => ({id: g.dataset.group,"
        " head: g.querySelector('.group-head').textContent, questions: Array.from(g.querySelectorAll('.questions li'))"
        ".map(q => q.textContent), fact: g.querySelector('input.fact').value}))"
    )


def test_review_page_at_desktop_width(site, tmp_path):
    url, log, knowledge = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver = chromium(tmp_path / "profile", 1280, 900)
    try:
        js = open_review(driver, url)
        shown = groups(js)
        assert "3 次" in shown[0]["head"] and shown[0]["questions"][0] == "社保卡丢了怎么补办×2"
        unemployment = next(g for g in shown if "失业金最长能领多少个月啊" in g["questions"])
        assert "低置信度回答" in unemployment["head"] and "居民点了👎" in unemployment["head"]
        assert unemployment["fact"] == FACT  # the fact the assistant gave is proposed
        assert "make train" in js("return document.getElementById('train-note').textContent")
        # The charts: a line per rate over 7 days, the subjects as bars; the totals above them.
        assert js("return document.querySelectorAll('#charts figure.chart svg').length") == 5
        assert js("return document.querySelectorAll('#chart-subjects rect.bar').length") == 2
        assert "异地就医备案" in js("return document.getElementById('chart-subjects').textContent")
        assert "100%" in js("return document.getElementById('chart-satisfaction').textContent")
        assert js("return document.getElementById('csv').getAttribute('href')").endswith("figures.csv?days=30")
        driver.save_screenshot(str(SHOTS / "review-desktop.png"))

        # Examples for the proposed fact: the group goes, the page says what to do next.
        driver.find_element("css selector", f"li.group[data-group='{unemployment['id']}'] button.add").click()
        wait_until(
            lambda: "已把 1 个问法加为知识" in js("return document.getElementById('status').textContent"),
            "the confirmation",
        )
        assert "make train" in js("return document.getElementById('status').textContent")
        wait_until(lambda: all(g["id"] != unemployment["id"] for g in groups(js)), "the group to go")
        fact = next(f for f in load_knowledge_base(knowledge).facts if f.id == FACT)
        assert fact.questions[-1] == "失业金最长能领多少个月啊"

        # Dismissed: gone too.
        card = groups(js)[0]["id"]
        driver.find_element("css selector", f"li.group[data-group='{card}'] button.dismiss").click()
        wait_until(lambda: all(g["id"] != card for g in groups(js)), "the dismissed group to go")
        assert js("return window.cspViolations") == []
    finally:
        driver.quit()


def test_review_page_at_phone_width(site, tmp_path):
    url, _, _ = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver = chromium(tmp_path / "profile", 390, 844, mobile=True)
    try:
        js = open_review(driver, url)
        assert js("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        # The list comes first: the first group is on the first screen.
        assert js("return document.querySelector('#groups li.group').getBoundingClientRect().top < window.innerHeight")
        # Every action button of the first group is on the screen, side by side or wrapped.
        boxes = js(
            "return Array.from(document.querySelectorAll('#groups li.group:first-child .actions > *'))"
            ".map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.width]; })"
        )
        assert len(boxes) == 4 and all(left >= 0 and right <= 391 and width > 40 for left, right, width in boxes)
        chart = js(
            "var r = document.querySelector('#chart-self svg').getBoundingClientRect(); return [r.left, r.right];"
        )
        assert chart[0] >= 0 and chart[1] <= 391
        driver.save_screenshot(str(SHOTS / "review-phone.png"))
        assert js("return window.cspViolations") == []
    finally:
        driver.quit()
