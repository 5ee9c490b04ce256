"""Targets, the Markdown summary, plots, and the README region between the bench markers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"
PLOTS = ("latency_vs_concurrency.png", "throughput_vs_concurrency.png", "per_intent_f1.png", "confusion_matrix.png")


def dig(data: Any, *path: Any) -> Any:
    """data[path0][path1]… or None when any step is missing."""
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def level(speed: Optional[dict], concurrency: int) -> Optional[dict]:
    for row in (speed or {}).get("levels") or []:
        if row.get("concurrency") == concurrency:
            return row
    return None


def _fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def _target(name: str, goal: str, value: Optional[str], met: Optional[bool]) -> dict:
    measured = value is not None and value != "—"
    return {"target": name, "goal": goal, "value": value if measured else "not measured", "met": met}


def evaluate_targets(results: dict) -> list[dict]:
    """Each target of the issue with the measured value and met (True/False, None = not measured)."""
    targets = []

    f1 = dig(results, "nlu", "heldout", "intent", "macro_f1")
    targets.append(
        _target("held-out intent macro-F1", "≥ 0.95", _fmt(f1, digits=3), None if f1 is None else f1 >= 0.95)
    )

    conv = results.get("conversations") or {}
    rate = conv.get("pass_rate")
    targets.append(
        _target(
            "end-to-end pass rate",
            "≥ 95%",
            None if rate is None else f"{rate:.1%} ({conv.get('passed')}/{conv.get('cases')})",
            None if rate is None else rate >= 0.95,
        )
    )
    wrong = conv.get("wrong_facts")
    targets.append(_target("answers stating a wrong fact", "= 0", _fmt(wrong), None if wrong is None else wrong == 0))

    p50 = dig(results, "speed", "ours", "single_user", "p50_ms")
    targets.append(_target("single-user latency p50", "≤ 60 ms", _fmt(p50, " ms"), None if p50 is None else p50 <= 60))

    ours20 = level(dig(results, "speed", "ours"), 20)
    base20 = level(dig(results, "speed", "baseline"), 20)
    if ours20 is None:
        targets.append(_target("throughput at 20 concurrent conversations", "≥ baseline, 0 errors", None, None))
    else:
        ours_tp, errors = ours20.get("throughput_msg_s"), ours20.get("errors")
        base_tp = (base20 or {}).get("throughput_msg_s")
        value = f"{_fmt(ours_tp, ' msg/s')} vs baseline {_fmt(base_tp, ' msg/s')}, {errors} errors"
        met = None if base_tp is None or ours_tp is None else (ours_tp >= base_tp and errors == 0)
        if errors:
            met = False
        targets.append(_target("throughput at 20 concurrent conversations", "≥ baseline, 0 errors", value, met))

    gate = dig(results, "question_sets", "gate") or {}
    wrong = gate.get("wrong_topic_rate")
    targets.append(
        _target("uncovered questions given a policy fact", "= 0", _pct(wrong), None if wrong is None else wrong == 0)
    )
    routing = gate.get("routing_accuracy")
    targets.append(
        _target(
            "uncovered questions sent to the right agency",
            "≥ 95%",
            _pct(routing),
            None if routing is None else routing >= 0.95,
        )
    )
    colloquial = dig(results, "question_sets", "colloquial", "pass_rate")
    targets.append(
        _target(
            "colloquial held-out questions",
            "≥ 97%",
            _pct(colloquial),
            None if colloquial is None else colloquial >= 0.97,
        )
    )
    law = dig(results, "question_sets", "law", "pass_rate")
    targets.append(
        _target("law held-out questions, right article", "≥ 95%", _pct(law), None if law is None else law >= 0.95)
    )

    training = dig(results, "resources", "training", "wall_s")
    targets.append(
        _target("training time", "≤ 150 s", _fmt(training, " s"), None if training is None else training <= 150)
    )

    rss = dig(results, "resources", "rss", "peak_mb", "rasa_server")
    targets.append(
        _target(
            "Rasa server peak RSS",
            "≤ 1.2 GB",
            None if rss is None else f"{rss / 1000:.2f} GB",
            None if rss is None else rss <= 1200,
        )
    )
    return targets


def _pct(value: Optional[float]) -> Optional[str]:
    return None if value is None else f"{value:.1%}"


def _met(met: Optional[bool]) -> str:
    return {True: "✅ met", False: "❌ not met", None: "— not measured"}[met]


def summary_markdown(results: dict, plot_prefix: str = "") -> str:
    """The Markdown summary: targets, then the measured numbers with baseline and ratio, then the plots."""
    lines = ["| target | goal | measured | |", "| --- | --- | --- | --- |"]
    for t in results.get("targets") or evaluate_targets(results):
        lines.append(f"| {t['target']} | {t['goal']} | {t['value']} | {_met(t['met'])} |")

    speed = results.get("speed") or {}
    ours, base = speed.get("ours") or {}, speed.get("baseline") or {}
    ratios = speed.get("ratios") or {}
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, value: Any, baseline: Any = None, ratio_value: Any = None) -> None:
        rows.append(
            (name, value, "—" if baseline is None else baseline, "—" if ratio_value is None else f"{ratio_value:.2f}")
        )

    heldout, cv = dig(results, "nlu", "heldout"), dig(results, "nlu", "cross_validation")
    for name, block in (("held-out", heldout), (f"{_fmt(dig(cv, 'folds'))}-fold CV", cv)):
        if block and "intent" in block:
            row(
                f"NLU {name}: intent accuracy / macro-F1",
                f"{block['intent']['accuracy']:.3f} / {block['intent']['macro_f1']:.3f} "
                f"({block['intent']['examples']} examples)",
            )
            diet = dig(block, "entities", "DIETClassifier", "micro_f1")
            regex = dig(block, "entities", "RegexEntityExtractor", "micro_f1")
            row(f"NLU {name}: entity F1 (DIET / regex)", f"{_fmt(diet, digits=3)} / {_fmt(regex, digits=3)}")
    conv = results.get("conversations") or {}
    if conv.get("cases"):
        row(
            "end-to-end: cases (turns) / pass rate / hand-off rate / wrong facts",
            f"{conv['cases']} ({conv['turns']}) / {conv['pass_rate']:.1%} / {conv['handoff_rate']:.1%} / "
            f"{conv['wrong_facts']}",
        )
    single = ours.get("single_user") or {}
    if single:
        base_single = base.get("single_user") or {}
        row(
            "single-user latency p50 / p95 (ms)",
            f"{_fmt(single.get('p50_ms'))} / {_fmt(single.get('p95_ms'))}",
            f"{_fmt(base_single.get('p50_ms'))} / {_fmt(base_single.get('p95_ms'))}" if base_single else None,
            ratios.get("single_user_p50"),
        )
    for ours_row in ours.get("levels") or []:
        c = ours_row["concurrency"]
        base_row = level(base, c)
        row(
            f"{c} concurrent: throughput (msg/s)",
            _fmt(ours_row["throughput_msg_s"]),
            _fmt(base_row["throughput_msg_s"]) if base_row else None,
            ratios.get(f"throughput_c{c}"),
        )
        row(
            f"{c} concurrent: p95 latency (ms) / errors",
            f"{_fmt(ours_row['latency']['p95_ms'])} / {ours_row['errors']} of {ours_row['messages']}",
            f"{_fmt(base_row['latency']['p95_ms'])} / {base_row['errors']} of {base_row['messages']}"
            if base_row
            else None,
            ratios.get(f"p95_c{c}"),
        )
    res = results.get("resources") or {}
    training = res.get("training") or {}
    starter = res.get("baseline_training") or {}
    if training:
        row(
            "training time (s)",
            _fmt(training.get("wall_s")),
            _fmt(starter.get("init_and_train_s")),
            ratios.get("training_s"),
        )
        row(
            "model size (MB)",
            _fmt(training.get("model_size_mb"), digits=2),
            _fmt(starter.get("model_size_mb"), digits=2),
            ratios.get("model_size"),
        )
    if res.get("startup_s") is not None:
        row(
            "start-up until the first answer (s)",
            _fmt(res.get("startup_s")),
            _fmt(res.get("baseline_startup_s")) if res.get("baseline_startup_s") is not None else None,
            ratios.get("startup_s"),
        )
    peaks = dig(res, "rss", "peak_mb") or {}
    if peaks:
        base_peak = dig(res, "baseline_rss", "peak_mb", "rasa_server")
        row(
            "peak RSS, Rasa server (MB)",
            _fmt(peaks.get("rasa_server")),
            _fmt(base_peak) if base_peak else None,
            ratios.get("rasa_server_rss"),
        )
        row("peak RSS, action server (MB)", _fmt(peaks.get("action_server")))

    lines += ["", "| measurement | ours | starter bot | ours / starter |", "| --- | --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]

    meta = results.get("meta") or {}
    lines += [
        "",
        f"Measured {meta.get('started', '?')} ({meta.get('mode', '?')} run, "
        f"{meta.get('cpus', '?')} CPUs; load average at start "
        f"{dig(meta, 'load_start', 'loadavg')}, at end {dig(meta, 'load_end', 'loadavg')}; "
        "other work was running on the machine). MB and GB are decimal. Details: "
        f"[results.json]({plot_prefix}results.json).",
    ]
    plots = [p for p in PLOTS if p in (results.get("plots") or [])]
    if plots:
        lines += ["", " · ".join(f"[{p[:-4].replace('_', ' ')}]({plot_prefix}{p})" for p in plots)]
    return "\n".join(lines) + "\n"


def replace_region(text: str, content: str, start: str = README_START, end: str = README_END) -> str:
    """Replace what is between the start and end markers (exactly once each, start first) by content."""
    if text.count(start) != 1 or text.count(end) != 1:
        raise ValueError(f"README needs exactly one {start} and one {end}")
    head, rest = text.split(start)
    _, tail = rest.split(end)
    if end in head:
        raise ValueError(f"{end} comes before {start}")
    return f"{head}{start}\n{content.strip()}\n{end}{tail}"


def update_readme(readme: Path, content: str) -> None:
    """Rewrite only the bench region of the README (read just before writing: others edit it too)."""
    text = readme.read_text(encoding="utf-8")
    new = replace_region(text, content)
    if new != text:
        readme.write_text(new, encoding="utf-8")


# ---------------------------------------------------------------- plots


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_speed(speed: dict, out_dir: Path) -> list[str]:
    """latency_vs_concurrency.png and throughput_vs_concurrency.png, ours vs the starter bot."""
    plt = _pyplot()
    series = [(name, speed.get(key)) for key, name in (("ours", "政策通 (ours)"), ("baseline", "starter bot"))]
    series = [(name, data["levels"]) for name, data in series if data and data.get("levels")]
    if not series:
        return []
    written = []
    labels = {"政策通 (ours)": "policy-qa (ours)"}  # the default font has no CJK glyphs

    colours = ("tab:blue", "tab:orange")

    def finish(fig: Any, ax: Any, ylabel: str, title: str, name: str) -> str:
        ax.set_xticks(sorted({r["concurrency"] for _, levels in series for r in levels}))
        ax.set_xlabel("concurrent conversations")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        return name

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (name, levels), colour in zip(series, colours):
        xs = [r["concurrency"] for r in levels]
        ax.plot(xs, [r["latency"]["p50_ms"] for r in levels], "o-", color=colour, label=f"{labels.get(name, name)} p50")
        ax.plot(
            xs, [r["latency"]["p95_ms"] for r in levels], "s--", color=colour, label=f"{labels.get(name, name)} p95"
        )
    written.append(
        finish(fig, ax, "latency per message (ms)", "Latency against concurrency (REST)", "latency_vs_concurrency.png")
    )

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (name, levels), colour in zip(series, colours):
        ax.plot(
            [r["concurrency"] for r in levels],
            [r["throughput_msg_s"] for r in levels],
            "o-",
            color=colour,
            label=labels.get(name, name),
        )
    ax.set_ylim(bottom=0)
    written.append(
        finish(
            fig,
            ax,
            "answered messages per second",
            "Throughput against concurrency (REST)",
            "throughput_vs_concurrency.png",
        )
    )
    return written


def plot_per_intent_f1(nlu: dict, out_dir: Path) -> list[str]:
    """per_intent_f1.png: F1 per intent, held-out and cross-validation side by side."""
    blocks = [
        (name, dig(nlu, key, "intent", "per_intent"))
        for key, name in (("heldout", "held-out"), ("cross_validation", "cross-validation"))
    ]
    blocks = [(name, data) for name, data in blocks if data]
    if not blocks:
        return []
    plt = _pyplot()
    intents = sorted({intent for _, data in blocks for intent in data}, reverse=True)
    height = 0.8 / len(blocks)
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(intents) + 1.5))
    for i, (name, data) in enumerate(blocks):
        ys = [k + i * height for k in range(len(intents))]
        ax.barh(ys, [data.get(intent, {}).get("f1", 0) for intent in intents], height=height, label=name)
    ax.set_yticks([k + height * (len(blocks) - 1) / 2 for k in range(len(intents))])
    ax.set_yticklabels(intents, fontsize=8)
    ax.set_xlim(0, 1.05)
    ax.axvline(0.95, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("F1")
    ax.set_title("Per-intent F1")
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(out_dir / "per_intent_f1.png", dpi=110)
    plt.close(fig)
    return ["per_intent_f1.png"]
