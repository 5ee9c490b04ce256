"""`make bench-desk` / `python -m bench.desk`: the human desk under load (issue 14), against the real
assistant (trained model, action server, SQLite files in a temporary folder).

1. Console list latency with 1,000 open tickets: `GET /console/api/tickets` (one page of 50) by a
   logged-in agent, 200 times, and the same with four agents polling at once.
2. Residents' latency during a login flood: one resident after another sends a policy question over REST,
   first with no flood, then while 16 clients post wrong passwords to /console/login as fast as they can.

Results: bench/results/desk.json and desk.md (`--out` for another folder). Goals: list p95 < 100 ms,
resident p95 during the flood < 1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bot.console.accounts import save_account
from bot.testing import start_assistant
from policy_core.handoff import HandoffQueue, HandoffReason

RESULTS = Path(__file__).with_name("results")
PASSWORD = "Bench-desk-pass-1"
QUESTION = "医保存折是什么"


def percentiles(samples: list[float]) -> dict[str, Any]:
    ms = sorted(s * 1000 for s in samples)
    q = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99
    return {"n": len(ms), "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "max_ms": round(ms[-1], 1)}


def login(url: str, username: str = "wang") -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    response = client.post("/console/login", data={"username": username, "password": PASSWORD})
    response.raise_for_status() if response.status_code != 303 else None
    client.headers["X-CSRF-Token"] = client.get("/console/api/me").json()["csrf_token"]
    return client


def list_latency(url: str, requests: int) -> dict[str, Any]:
    agent = login(url)
    agent.get("/console/api/tickets")
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = agent.get("/console/api/tickets")
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200 and len(response.json()["tickets"]) == 50
    return percentiles(samples)


def list_latency_with_agents(url: str, agents: int, requests: int) -> dict[str, Any]:
    clients = [login(url, f"agent{i}") for i in range(agents)]
    samples: list[float] = []

    def poll(client: httpx.Client) -> None:
        for _ in range(requests):
            started = time.perf_counter()
            client.get("/console/api/tickets").raise_for_status()
            samples.append(time.perf_counter() - started)

    threads = [threading.Thread(target=poll, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return percentiles(samples)


def resident_latency(url: str, seconds: float, label: str) -> list[float]:
    samples, stop, index = [], time.monotonic() + seconds, 0
    with httpx.Client(base_url=url, timeout=60) as client:
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = client.post(
                "/webhooks/rest/webhook", json={"sender": f"bench-desk-{label}-{index}", "message": QUESTION}
            )
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.json(), response.text
            index += 1
    return samples


def login_flood(url: str, seconds: float, threads: int = 16) -> tuple[list[float], dict[int, int]]:
    statuses: dict[int, int] = {}
    stop = time.monotonic() + seconds

    def guess(index: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            while time.monotonic() < stop:
                code = client.post(
                    "/console/login", data={"username": "wang", "password": f"wrong-{index}"}
                ).status_code
                statuses[code] = statuses.get(code, 0) + 1

    workers = [threading.Thread(target=guess, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(0.2)
    samples = resident_latency(url, seconds - 0.5, "flood")
    for worker in workers:
        worker.join()
    return samples, statuses


def markdown(results: dict[str, Any]) -> str:
    lst, flood = results["list"], results["login_flood"]
    rows = [
        ("console list, 1 agent, 1,000 open tickets (page of 50)", lst["one_agent"], "p95 < 100 ms"),
        ("console list, 4 agents polling at once", lst["four_agents"], "p95 < 100 ms"),
        ("resident REST reply, no flood", flood["baseline"], "—"),
        ("resident REST reply, 16 parallel wrong-password logins", flood["during_flood"], "p95 < 1 s"),
    ]
    lines = [
        "# Human desk under load (issue 14)",
        "",
        f"Run {results['meta']['finished']} on {results['meta']['cpus']} CPUs (load average before / after: "
        f"{results['meta']['loadavg_start'][0]} / {results['meta']['loadavg_end'][0]}); `python -m bench.desk`.",
        "",
        "| measurement | n | p50 (ms) | p95 (ms) | max (ms) | goal |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {name} | {r['n']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {goal} |" for name, r, goal in rows
    ]
    lines += [
        "",
        f"Login responses during the flood: {flood['login_statuses']} "
        "(401 wrong password, 429 throttled or locked out).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--flood-seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    load_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="bench-desk-") as work_dir:
        work = Path(work_dir)
        accounts = work / "agents.yml"
        for name in ("wang", *(f"agent{i}" for i in range(4))):
            save_account(name, PASSWORD, path=accounts)
        (work / "var").mkdir()
        queue = HandoffQueue(f"sqlite:///{work / 'var' / 'handoff.db'}")
        for index in range(args.tickets):
            queue.open_ticket(f"bench-ticket-{index}", "rest", HandoffReason.ASKED_FOR_HUMAN)
        assistant = start_assistant(work, extra_env={"AGENT_ACCOUNTS_FILE": str(accounts)})
        try:
            results: dict[str, Any] = {"list": {}, "login_flood": {}}
            results["list"]["tickets"] = args.tickets
            results["list"]["one_agent"] = list_latency(assistant.url, 200)
            results["list"]["four_agents"] = list_latency_with_agents(assistant.url, 4, 50)
            resident_latency(assistant.url, 2, "warm")
            results["login_flood"]["baseline"] = percentiles(resident_latency(assistant.url, 8, "base"))
            during, statuses = login_flood(assistant.url, args.flood_seconds)
            results["login_flood"]["during_flood"] = percentiles(during)
            results["login_flood"]["login_statuses"] = {str(k): v for k, v in sorted(statuses.items())}
        finally:
            assistant.stop()
    # The machine may be shared: the load average says how much else ran (2 CPUs: 2.0 = both busy).
    results["meta"] = {
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpus": os.cpu_count(),
        "loadavg_start": load_start,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "desk.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    (args.out / "desk.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
