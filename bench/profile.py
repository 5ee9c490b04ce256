"""Where the time of one single-user message goes.

1. Over HTTP against the running assistant: the REST call, Rasa's /model/parse (NLU only), the action
   server's /webhook with the request Rasa sends it, /conversations/<id>/predict (tracker load + policies)
   and /version (the HTTP floor).
2. In process (a subprocess that loads the same model with the same SQLite tracker store and the running
   action server): the time of every graph node (each NLU component, the policies), the remote action
   call and the tracker store, by wrapping those functions with timers.

`python -m bench.profile inprocess …` is the subprocess of part 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from statistics import median
from typing import Any, Optional

import httpx
import yaml

from bot.testing import MODEL, RunningAssistant

from .load import REST_PATH, is_answer
from .nlu import ROOT, rasa_env

# (label, warm-up message that opens the conversation, profiled message)
MESSAGES = (
    ("computed answer (action server)", "你好", "我在职，1月份的钱什么时候到"),
    ("policy answer (action server)", "你好", "发票复印件能报销吗"),
    ("chit-chat (response, no action)", "你好", "谢谢"),
)


def actions_url(assistant: RunningAssistant) -> str:
    """The action server's webhook URL, from the endpoints.yml that start_assistant wrote."""
    endpoints = yaml.safe_load((assistant.data_dir.parent / "endpoints.yml").read_text(encoding="utf-8"))
    return endpoints["action_endpoint"]["url"]


def _timed(client: httpx.Client, method: str, url: str, **kwargs: Any) -> tuple[float, httpx.Response]:
    began = time.perf_counter()
    response = client.request(method, url, **kwargs)
    return time.perf_counter() - began, response


def _request_for_action(tracker: dict, domain: dict, action: str) -> dict:
    """The body Rasa POSTs to the action server for `action`: the tracker as it was when the action ran
    (events up to the action), the domain and the version."""
    events = tracker["events"]
    cut = next(
        i for i, e in reversed(list(enumerate(events))) if e.get("event") == "action" and e.get("name") == action
    )
    state = {**tracker, "events": events[:cut]}
    import rasa

    return {
        "next_action": action,
        "sender_id": tracker["sender_id"],
        "tracker": state,
        "domain": domain,
        "version": rasa.__version__,
    }


def _custom_actions_of_last_turn(tracker: dict) -> list[str]:
    events = tracker["events"]
    last_user = max(i for i, e in enumerate(events) if e.get("event") == "user")
    return [
        e["name"]
        for e in events[last_user:]
        if e.get("event") == "action" and e["name"].startswith("action_") and e["name"] != "action_listen"
    ]


def http_breakdown(assistant: RunningAssistant, reps: int) -> dict[str, Any]:
    """Median milliseconds of each HTTP measurement per message type (fresh conversation per repetition,
    opened with a greeting so that the session start is not in the measured message)."""
    token = assistant.token
    webhook = actions_url(assistant)
    results: dict[str, Any] = {}
    with httpx.Client(base_url=assistant.url, timeout=60) as client:
        domain = client.get(f"/domain?token={token}", headers={"Accept": "application/json"}).json()
        for label, opener, message in MESSAGES:
            times: dict[str, list[float]] = defaultdict(list)
            actions: list[str] = []
            for _ in range(reps):
                sender = f"bench-profile-{uuid.uuid4().hex[:8]}"
                client.post(REST_PATH, json={"sender": sender, "message": opener})
                elapsed, response = _timed(client, "POST", REST_PATH, json={"sender": sender, "message": message})
                if response.status_code != 200 or not is_answer(response.json()):
                    raise RuntimeError(f"profile message {message!r} not answered: {response.text[:300]}")
                times["rest_total"].append(elapsed)
                times["model_parse"].append(
                    _timed(client, "POST", f"/model/parse?token={token}", json={"text": message})[0]
                )
                elapsed, response = _timed(client, "GET", f"/conversations/{sender}/tracker?token={token}")
                times["tracker_get"].append(elapsed)
                tracker = response.json()
                times["predict"].append(_timed(client, "POST", f"/conversations/{sender}/predict?token={token}")[0])
                times["http_floor"].append(_timed(client, "GET", "/version")[0])
                actions = _custom_actions_of_last_turn(tracker)
                action_total = 0.0
                for action in actions:
                    elapsed, response = _timed(
                        client, "POST", webhook, json=_request_for_action(tracker, domain, action)
                    )
                    if response.status_code != 200:
                        raise RuntimeError(f"action server answered {response.status_code} for {action}")
                    action_total += elapsed
                times["action_webhook"].append(action_total)
            ms = {key: round(median(values) * 1000, 1) for key, values in times.items()}
            results[label] = {"message": message, "custom_actions": actions, "reps": reps, "median_ms": ms}
    return results


# ------------------------------------------------------------------ in-process part (subprocess)


NLU_NODES = (
    "Tokenizer",
    "Featurizer",
    "Classifier",
    "Extractor",
    "Mapper",
    "nlu_message_converter",
    "RegexMessageHandler",
)


def node_group(key: str) -> str:
    """Group of a timing key: NLU pipeline, policies, action call, tracker store, total."""
    if key.startswith("node:"):
        return "NLU pipeline (graph)" if any(part in key for part in NLU_NODES) else "policies (graph)"
    if key.startswith("tracker_store"):
        return "tracker store (SQLite)"
    return key


async def _inprocess(actions_endpoint: str, reps: int, db_file: Path) -> dict[str, Any]:
    import rasa.utils.tensorflow.environment as tensorflow_env
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.engine.graph import GraphNode
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    from bot import remote_action
    from bot.tracker_store import EnvSQLTrackerStore

    rasa_validate = RemoteAction._validate_action_result
    remote_action.install()  # as the Rasa server runs (bot/channels/__init__.py)

    # Logging as `rasa run` sets it up (default level); unconfigured structlog would print debug lines.
    configure_logging_and_warnings(None, warn_only_once=True, filter_repeated_logs=True)
    tensorflow_env.setup_tf_environment()
    configure_structlog(None)

    bucket: dict[str, float] = defaultdict(float)
    original_call = GraphNode.__call__

    def timed_call(self, *args):
        began = time.perf_counter()
        try:
            return original_call(self, *args)
        finally:
            bucket[f"node:{self._node_name}"] += time.perf_counter() - began

    def timed_async(name: str, function):
        async def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                bucket[name] += time.perf_counter() - began

        return wrapper

    def timed_sync(name: str, function):
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                bucket[name] += time.perf_counter() - began

        return wrapper

    GraphNode.__call__ = timed_call
    RemoteAction.run = timed_async("action_call", RemoteAction.run)
    EndpointConfig.request = timed_async("action_call.http_request", EndpointConfig.request)
    original_validate = RemoteAction._validate_action_result
    RemoteAction._validate_action_result = timed_sync("action_call.validate_response", original_validate)
    for method in ("retrieve", "retrieve_full_tracker", "save"):
        setattr(SQLTrackerStore, method, timed_async(f"tracker_store_{method}", getattr(SQLTrackerStore, method)))

    store = EnvSQLTrackerStore(url=f"sqlite:///{db_file}")
    agent = Agent.load(str(MODEL), tracker_store=store, action_endpoint=EndpointConfig(actions_endpoint))

    async def measure(message: str, opener: str) -> list[dict[str, float]]:
        samples: list[dict[str, float]] = []
        for _ in range(reps + 1):  # the first repetition warms up and is dropped
            sender = f"bench-inprocess-{uuid.uuid4().hex[:8]}"
            await agent.handle_message(UserMessage(opener, CollectingOutputChannel(), sender))
            bucket.clear()
            channel = CollectingOutputChannel()
            began = time.perf_counter()
            await agent.handle_message(UserMessage(message, channel, sender))
            sample = dict(bucket)
            sample["total"] = time.perf_counter() - began
            if not channel.messages:
                raise RuntimeError(f"no answer in process to {message!r}")
            samples.append(sample)
        return samples[1:]

    def medians(samples: list[dict[str, float]]) -> dict[str, float]:
        keys = sorted({key for sample in samples for key in sample})
        result = {key: round(median(sample.get(key, 0.0) for sample in samples) * 1000, 2) for key in keys}
        for group in sorted({node_group(k) for k in keys if "." not in k and k != "total"}):
            result[f"group:{group}"] = round(
                median(
                    sum(v for k, v in sample.items() if "." not in k and k != "total" and node_group(k) == group)
                    for sample in samples
                )
                * 1000,
                2,
            )
        result["group:other (processor, events, responses)"] = round(
            median(
                sample["total"] - sum(v for k, v in sample.items() if "." not in k and k != "total")
                for sample in samples
            )
            * 1000,
            2,
        )
        return result

    results: dict[str, Any] = {"messages": {}, "before_with_rasa_validation": {}}
    for label, opener, message in MESSAGES:
        results["messages"][label] = {
            "message": message,
            "reps": reps,
            "median_ms": medians(await measure(message, opener)),
        }
    # Before the tuning: Rasa's own jsonschema.validate() of every action server response.
    RemoteAction._validate_action_result = timed_sync("action_call.validate_response", rasa_validate)
    for label, opener, message in MESSAGES:
        results["before_with_rasa_validation"][label] = {
            "message": message,
            "reps": reps,
            "median_ms": medians(await measure(message, opener)),
        }
    return results


def inprocess_breakdown(assistant: RunningAssistant, reps: int, work: Path) -> dict[str, Any]:
    """Run the in-process profile in a subprocess (it loads its own copy of the model)."""
    work.mkdir(parents=True, exist_ok=True)
    out = work / "inprocess.json"
    env = {**rasa_env(work / "rasa-cache"), "POLICY_DATA_DIR": str(work / "var")}
    command = [
        sys.executable,
        "-m",
        "bench.profile",
        "inprocess",
        "--actions-url",
        actions_url(assistant),
        "--reps",
        str(reps),
        "--db",
        str(work / "tracker.db"),
        "--json-out",
        str(out),
    ]
    with open(work / "inprocess.log", "wb") as log:
        result = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"in-process profile failed, see {work / 'inprocess.log'}")
    return json.loads(out.read_text(encoding="utf-8"))


def profile(assistant: RunningAssistant, reps: int, work: Path) -> dict[str, Any]:
    return {"http": http_breakdown(assistant, reps), "in_process": inprocess_breakdown(assistant, reps, work)}


# ------------------------------------------------------------------ Markdown


def _component(node: str) -> str:
    """node:run_DIETClassifier5 → DIETClassifier (#5 = position in the pipeline)."""
    name = node.split(":", 1)[-1]
    if name.startswith("run_"):
        name = name[len("run_") :]
    stem = name.rstrip("0123456789")
    return f"{stem} (#{name[len(stem) :]})" if stem and stem != name else name


def breakdown_rows(http: dict) -> list[tuple[str, float]]:
    """Derived single-message breakdown (ms) from the HTTP medians: NLU parse (minus the HTTP floor: the
    REST path has no extra HTTP call for it), the action server call (as measured: Rasa makes that HTTP
    call too), and the rest of the REST call (policies, tracker store, channel, HTTP)."""
    ms = http["median_ms"]
    nlu = max(ms["model_parse"] - ms.get("http_floor", 0.0), 0.0)
    action = ms["action_webhook"]
    rest = max(ms["rest_total"] - nlu - action, 0.0)
    return [
        ("NLU parse (/model/parse − HTTP floor)", round(nlu, 1)),
        ("action server (/webhook)", round(action, 1)),
        ("rest: policies, tracker store (SQLite), REST channel, HTTP", round(rest, 1)),
        ("REST total (median)", ms["rest_total"]),
    ]


GROUP_LABELS = {
    "group:NLU pipeline (graph)": "NLU pipeline (all components)",
    "group:policies (graph)": "policies (RulePolicy, 2 predictions)",
    "group:action_call": "action call (Rasa side, whole)",
    "action_call.http_request": "  of which: HTTP request to the action server (incl. its work)",
    "action_call.validate_response": "  of which: JSON-schema validation of the response",
    "group:tracker store (SQLite)": "tracker store (SQLite, load + save)",
    "tracker_store_retrieve": "  of which: load the conversation",
    "tracker_store_save": "  of which: save the new events",
    "group:other (processor, events, responses)": "other (processor, events, responses)",
    "total": "**total in process**",
}


def _table(blocks: dict[str, dict], keys: list[str], names: dict[str, str]) -> list[str]:
    labels = list(blocks)
    lines = ["| step | " + " | ".join(labels) + " |", "| --- |" + " --- |" * len(labels)]
    for key in keys:
        values = [blocks[label]["median_ms"].get(key, 0.0) for label in labels]
        lines.append(f"| {names.get(key, key)} | " + " | ".join(f"{v:.1f}" for v in values) + " |")
    return lines


def profile_markdown(data: dict, meta: Optional[dict] = None) -> str:
    first = next(iter(data["http"].values()))
    lines = ["# Profile of one single-user message", ""]
    if meta:
        lines += [
            f"Measured {meta.get('time')} after the load test (assistant otherwise idle), load average "
            f"{meta.get('loadavg')} on {meta.get('cpus')} CPUs. Medians of {first['reps']} repetitions, each "
            "in a fresh conversation opened with 你好 (the session start is not in the measured message).",
            "",
        ]
    lines += [
        "## Over HTTP",
        "",
        "| message | NLU parse | action server | rest (policies, tracker store, Rasa's action call, channel) | REST total |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, block in data["http"].items():
        values = [value for _, value in breakdown_rows(block)]
        lines.append(
            f"| {label}: {block['message']} | {values[0]} ms | {values[1]} ms | {values[2]} ms | {values[3]} ms |"
        )
    lines += [
        "",
        "NLU parse = POST /model/parse minus the HTTP floor (GET /version); action server = its /webhook "
        "called directly with the request Rasa sends. Raw medians (ms): `predict` = POST "
        "/conversations/<id>/predict (tracker load + policies), `tracker_get` = GET the tracker.",
        "",
    ]
    for label, block in data["http"].items():
        lines.append(f"- {label}: `{json.dumps(block['median_ms'])}`")

    inproc = data.get("in_process") or {}
    messages = inproc.get("messages") or {}
    if messages:
        lines += [
            "",
            "## Inside the Rasa server",
            "",
            "The same model loaded in a separate process with the same SQLite tracker store and the running "
            "action server; every graph node, Rasa's remote action call (and, inside it, the HTTP request "
            "and the validation of the response) and the tracker store timed by wrapping them (ms, medians).",
            "",
        ]
        lines += _table(messages, list(GROUP_LABELS), GROUP_LABELS)
        node_keys = sorted(
            {k for b in messages.values() for k in b["median_ms"] if k.startswith("node:")},
            key=lambda k: -max(b["median_ms"].get(k, 0) for b in messages.values()),
        )
        node_keys = [k for k in node_keys if max(b["median_ms"].get(k, 0) for b in messages.values()) >= 0.1]
        lines += [
            "",
            "Graph nodes of 0.1 ms or more (the policies run twice: after the message and after the action):",
            "",
        ]
        lines += _table(messages, node_keys, {k: _component(k) for k in node_keys})
    before = inproc.get("before_with_rasa_validation") or {}
    if before:
        lines += [
            "",
            "### Before and after: validating the action server's response",
            "",
            "Rasa 3.6 `RemoteAction._validate_action_result` calls `jsonschema.validate()`, which first checks "
            "the schema itself against the JSON-Schema meta-schema — on every action call. The server uses one "
            "validator built once instead (bot/remote_action.py; same schema, same errors). Same process:",
            "",
            "| message | total before (Rasa's validation) | total now | validation before | validation now |",
            "| --- | --- | --- | --- | --- |",
        ]
        for label, block in before.items():
            then, now = block["median_ms"], messages[label]["median_ms"]
            lines.append(
                f"| {label} | {then['total']:.1f} ms | {now['total']:.1f} ms | "
                f"{then.get('action_call.validate_response', 0):.1f} ms | "
                f"{now.get('action_call.validate_response', 0):.1f} ms |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    inproc = sub.add_parser("inprocess", help="(internal) the in-process profile")
    inproc.add_argument("--actions-url", required=True)
    inproc.add_argument("--reps", type=int, default=20)
    inproc.add_argument("--db", type=Path, required=True)
    inproc.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    result = asyncio.run(_inprocess(args.actions_url, args.reps, args.db))
    args.json_out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
