"""Fast tests of the benchmark's pure functions (no servers, no model)."""

import asyncio
import json

import pytest
import yaml

from bench import nlu, report
from bench.load import POLICY_QA_SCENARIOS, STARTER_BOT_SCENARIOS, LoadResult, Sample, is_answer, run_load
from bench.resources import component_times
from bench.stats import latency_summary, percentile, ratio
from bot.testing import free_port

# ---------------------------------------------------------------- statistics


def test_percentile_interpolates_like_numpy():
    values = [10, 20, 30, 40]
    assert percentile(values, 0) == 10
    assert percentile(values, 100) == 40
    assert percentile(values, 50) == 25
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile([5], 95) == 5
    assert percentile([], 50) is None


def test_percentile_does_not_depend_on_order():
    assert percentile([3, 1, 2], 50) == percentile([1, 2, 3], 50) == 2


def test_percentile_rejects_out_of_range():
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_latency_summary_in_milliseconds():
    summary = latency_summary([0.010, 0.020, 0.030, 0.040, 0.100])
    assert summary["count"] == 5
    assert summary["p50_ms"] == 30.0
    assert summary["max_ms"] == 100.0
    assert summary["mean_ms"] == 40.0
    assert latency_summary([])["p50_ms"] is None


def test_ratio():
    assert ratio(30, 60) == 0.5
    assert ratio(None, 1) is None
    assert ratio(1, 0) is None


def test_load_result_counts_errors_and_throughput():
    result = LoadResult(
        "x",
        2,
        wall_s=2.0,
        conversations=2,
        samples=[
            Sample(0, 0.1, "computed"),
            Sample(0.1, 0.2, "chitchat"),
            Sample(0.2, 0.3, "computed", "http_500"),
            Sample(0.3, 0.4, "policy", "empty_reply"),
        ],
    )
    summary = result.summary()
    assert summary["messages"] == 4
    assert summary["answered"] == 2
    assert summary["errors"] == 2
    assert summary["error_kinds"] == {"http_500": 1, "empty_reply": 1}
    assert summary["throughput_msg_s"] == 1.0  # answered messages only
    assert summary["latency"]["count"] == 2
    assert set(summary["latency_by_kind"]) == {"computed", "chitchat", "policy"}


def test_is_answer():
    assert is_answer([{"recipient_id": "a", "text": "你好"}])
    assert is_answer([{"recipient_id": "a", "buttons": [{"title": "在职职工"}]}])
    assert not is_answer([])
    assert not is_answer([{"recipient_id": "a"}])
    assert not is_answer({"text": "not a list"})


def test_run_load_needs_one_stop_rule():
    with pytest.raises(ValueError):
        asyncio.run(run_load("http://127.0.0.1:9", POLICY_QA_SCENARIOS, 1))


def test_run_load_counts_connection_failures_as_errors():
    # Nothing listens on a just-freed port: every first message fails and the conversation stops there.
    url = f"http://127.0.0.1:{free_port()}"
    result = asyncio.run(run_load(url, POLICY_QA_SCENARIOS, 2, conversations_per_worker=1, timeout=5)).summary()
    assert result["messages"] == 2 and result["errors"] == 2 and result["answered"] == 0


def test_scenarios_are_realistic_conversations():
    assert len(POLICY_QA_SCENARIOS) == len(STARTER_BOT_SCENARIOS)
    kinds = {m.kind for s in POLICY_QA_SCENARIOS for m in s.messages}
    assert {"computed", "policy", "chitchat"} <= kinds
    for ours, starter in zip(POLICY_QA_SCENARIOS, STARTER_BOT_SCENARIOS):
        assert len(ours.messages) == len(starter.messages) >= 3  # the same load on both bots


# ---------------------------------------------------------------- Rasa reports and logs

INTENT_REPORT = {
    "greet": {"precision": 1.0, "recall": 0.5, "f1-score": 0.6667, "support": 2},
    "account_arrival": {"precision": 0.75, "recall": 1.0, "f1-score": 0.8571, "support": 3},
    "accuracy": 0.8,
    "macro avg": {"precision": 0.875, "recall": 0.75, "f1-score": 0.7619, "support": 5},
    "weighted avg": {"precision": 0.85, "recall": 0.8, "f1-score": 0.781, "support": 5},
}


def test_summarize_intent_report():
    summary = nlu.summarize_intent_report(INTENT_REPORT)
    assert summary["accuracy"] == 0.8
    assert summary["macro_f1"] == 0.7619
    assert summary["examples"] == 5
    assert set(summary["per_intent"]) == {"greet", "account_arrival"}
    assert summary["per_intent"]["greet"]["f1"] == 0.6667


def test_summarize_entity_report_with_micro_average():
    report_ = {
        "month": {"precision": 1, "recall": 1, "f1-score": 1.0, "support": 4},
        "region": {"precision": 1, "recall": 0.5, "f1-score": 0.6667, "support": 2},
        "micro avg": {"precision": 1, "recall": 0.8333, "f1-score": 0.9091, "support": 6},
        "macro avg": {"precision": 1, "recall": 0.75, "f1-score": 0.8333, "support": 6},
    }
    summary = nlu.summarize_entity_report(report_)
    assert summary["micro_f1"] == 0.9091
    assert summary["support"] == 6
    assert set(summary["per_entity"]) == {"month", "region"}


def test_read_reports_finds_every_extractor(tmp_path):
    (tmp_path / "intent_report.json").write_text(json.dumps(INTENT_REPORT))
    entity = {
        "month": {"precision": 1, "recall": 1, "f1-score": 1.0, "support": 1},
        "micro avg": {"precision": 1, "recall": 1, "f1-score": 1.0, "support": 1},
    }
    for name in ("DIETClassifier_report.json", "RegexEntityExtractor_report.json"):
        (tmp_path / name).write_text(json.dumps(entity))
    result = nlu.read_reports(tmp_path)
    assert result["intent"]["macro_f1"] == 0.7619
    assert set(result["entities"]) == {"DIETClassifier", "RegexEntityExtractor"}


def test_merged_heldout_limit_spreads_over_intents(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.yml").write_text(
        yaml.safe_dump(
            {
                "version": "3.1",
                "nlu": [
                    {"intent": "greet", "examples": "- 你好\n- 您好\n- 早上好\n"},
                    {"intent": "thank", "examples": "- 谢谢\n- 多谢\n"},
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    (source / "b.yml").write_text(
        yaml.safe_dump({"version": "3.1", "nlu": [{"intent": "goodbye", "examples": "- 再见\n"}]}, allow_unicode=True),
        encoding="utf-8",
    )
    out = tmp_path / "merged.yml"
    assert nlu.merged_heldout(out, heldout_dir=source) == 6
    assert nlu.merged_heldout(out, limit=3, heldout_dir=source) == 3
    merged = yaml.safe_load(out.read_text(encoding="utf-8"))["nlu"]
    assert [block["intent"] for block in merged] == ["greet", "thank", "goodbye"]


def test_component_times_from_training_log():
    lines = [
        (1.0, "INFO rasa.engine.training.hooks  - Starting to train component 'DIETClassifier'."),
        (3.5, "Epochs: 100%"),
        (11.0, "INFO rasa.engine.training.hooks  - Finished training component 'DIETClassifier'."),
        (11.0, "INFO rasa.engine.training.hooks  - Starting to train component 'RulePolicy'."),
        (12.5, "INFO rasa.engine.training.hooks  - Finished training component 'RulePolicy'."),
    ]
    assert component_times(lines) == {"DIETClassifier": 10.0, "RulePolicy": 1.5}


# ---------------------------------------------------------------- README region

README = """# Title

## Measured

<!-- bench:start -->
Not measured yet: run `make bench`.
<!-- bench:end -->

## After
text after
"""


def test_replace_region_only_touches_the_region():
    new = report.replace_region(README, "| a | b |\n")
    assert new.startswith("# Title\n\n## Measured\n\n<!-- bench:start -->\n| a | b |\n<!-- bench:end -->")
    assert new.endswith("\n\n## After\ntext after\n")
    assert "Not measured yet" not in new
    assert report.replace_region(new, "| a | b |") == new  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "no markers",
        README.replace("<!-- bench:end -->", ""),
        README + "<!-- bench:start -->",
        "<!-- bench:end -->\n<!-- bench:start -->\n",
    ],
)
def test_replace_region_refuses_broken_markers(text):
    with pytest.raises(ValueError):
        report.replace_region(text, "x")


def test_update_readme_writes_only_the_region(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README, encoding="utf-8")
    report.update_readme(readme, "new table")
    text = readme.read_text(encoding="utf-8")
    assert "<!-- bench:start -->\nnew table\n<!-- bench:end -->" in text
    assert text.replace("new table", "Not measured yet: run `make bench`.") == README


# ---------------------------------------------------------------- targets


def _results(**overrides):
    results = {
        "nlu": {"heldout": {"intent": {"macro_f1": 0.96, "accuracy": 0.97, "examples": 171}}},
        "conversations": {
            "cases": 175,
            "turns": 300,
            "passed": 170,
            "pass_rate": 0.9714,
            "handoff_rate": 0.1,
            "wrong_facts": 0,
        },
        "speed": {
            "ours": {
                "single_user": {"p50_ms": 55.0, "p95_ms": 80.0},
                "levels": [
                    {
                        "concurrency": 20,
                        "throughput_msg_s": 21.0,
                        "errors": 0,
                        "messages": 600,
                        "latency": {"p95_ms": 900.0},
                    }
                ],
            },
            "baseline": {
                "single_user": {"p50_ms": 30.0, "p95_ms": 40.0},
                "levels": [
                    {
                        "concurrency": 20,
                        "throughput_msg_s": 20.0,
                        "errors": 0,
                        "messages": 600,
                        "latency": {"p95_ms": 800.0},
                    }
                ],
            },
        },
        "resources": {"training": {"wall_s": 140.0}, "rss": {"peak_mb": {"rasa_server": 1100.0}}},
        "question_sets": {
            "gate": {"wrong_topic_rate": 0.0, "routing_accuracy": 0.96},
            "colloquial": {"pass_rate": 0.98},
            "law": {"pass_rate": 0.96},
        },
    }
    for path, value in overrides.items():
        node = results
        *parents, last = path.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    return results


def _met(results):
    return {t["target"]: t["met"] for t in report.evaluate_targets(results)}


def test_targets_all_met():
    assert all(_met(_results()).values())


def test_each_target_can_fail():
    assert not _met(_results(**{"nlu.heldout.intent.macro_f1": 0.949}))["held-out intent macro-F1"]
    assert not _met(_results(**{"conversations.pass_rate": 0.94}))["end-to-end pass rate"]
    assert not _met(_results(**{"conversations.wrong_facts": 1}))["answers stating a wrong fact"]
    assert not _met(_results(**{"speed.ours.single_user.p50_ms": 60.1}))["single-user latency p50"]
    assert not _met(_results(**{"resources.training.wall_s": 150.1}))["training time"]
    assert not _met(_results(**{"question_sets.gate.wrong_topic_rate": 0.004}))[
        "uncovered questions given a policy fact"
    ]
    assert not _met(_results(**{"question_sets.gate.routing_accuracy": 0.94}))[
        "uncovered questions sent to the right agency"
    ]
    assert not _met(_results(**{"question_sets.colloquial.pass_rate": 0.969}))["colloquial held-out questions"]
    assert not _met(_results(**{"question_sets.law.pass_rate": 0.949}))["law held-out questions, right article"]
    assert not _met(_results(**{"resources.rss.peak_mb.rasa_server": 1200.1}))["Rasa server peak RSS"]


def test_throughput_target_needs_baseline_and_no_errors():
    name = "throughput at 20 concurrent conversations"
    slower = _results()
    slower["speed"]["ours"]["levels"][0]["throughput_msg_s"] = 19.9
    assert _met(slower)[name] is False
    with_errors = _results()
    with_errors["speed"]["ours"]["levels"][0]["errors"] = 1
    assert _met(with_errors)[name] is False
    no_baseline = _results()
    del no_baseline["speed"]["baseline"]
    assert _met(no_baseline)[name] is None


def test_unmeasured_targets_are_reported_as_such():
    targets = report.evaluate_targets({})
    assert len(targets) == 11
    assert all(t["met"] is None and t["value"] == "not measured" for t in targets)


def test_summary_markdown_has_targets_and_ratios():
    results = _results()
    results["speed"]["ratios"] = {"single_user_p50": 1.833, "throughput_c20": 1.05}
    results["plots"] = ["latency_vs_concurrency.png"]
    text = report.summary_markdown(results, plot_prefix="bench/results/")
    assert "| held-out intent macro-F1 | ≥ 0.95 | 0.960 | ✅ met |" in text
    assert "| single-user latency p50 / p95 (ms) | 55.0 / 80.0 | 30.0 / 40.0 | 1.83 |" in text
    assert "| 20 concurrent: throughput (msg/s) | 21.0 | 20.0 | 1.05 |" in text
    assert "(bench/results/latency_vs_concurrency.png)" in text


def test_degraded_replies_count_as_errors():
    from bench.load import degraded_texts, send

    unavailable, too_fast = degraded_texts()

    def client_answering(body):
        import httpx

        return httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)))

    async def one(body):
        async with client_answering(body) as client:
            return await send(client, "http://bot", "s", "你好", degraded_texts())

    assert asyncio.run(one([{"recipient_id": "s", "text": "您好！"}])) is None
    assert asyncio.run(one([{"recipient_id": "s", "text": unavailable}])) == "degraded_reply"
    assert asyncio.run(one([{"recipient_id": "s", "text": too_fast}])) == "degraded_reply"
    assert asyncio.run(one([])) == "empty_reply"


def test_speed_plots_are_written(tmp_path):
    from bench.report import plot_speed

    def levels(scale):
        return [
            {"concurrency": c, "throughput_msg_s": scale * c**0.5, "latency": {"p50_ms": 50.0 * c, "p95_ms": 80.0 * c}}
            for c in (1, 10, 20)
        ]

    written = plot_speed({"ours": {"levels": levels(2.0)}, "baseline": {"levels": levels(1.0)}}, tmp_path)
    assert written == ["latency_vs_concurrency.png", "throughput_vs_concurrency.png"]
    for name in written:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot_speed({}, tmp_path) == []
