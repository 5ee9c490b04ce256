"""The README is the operator's and the newcomer's manual: its commands, files and guides must stay true."""

import re

from policy_core.config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")


def test_every_make_target_the_readme_names_exists():
    targets = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, re.M))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", README)) | set(re.findall(r"^make ([a-z][a-z-]*)", README, re.M))
    assert named and named <= targets, sorted(named - targets)


def test_the_two_fresh_machine_commands_are_shown():
    section = README.split("## Two commands for a fresh machine", 1)[1].split("\n## ", 1)[0]
    assert "make run" in section and "make test" in section


def test_the_operator_guide_says_how_to_add_correct_and_supersede_a_fact():
    section = README.split("## Knowledge for operators", 1)[1].split("\n## ", 1)[0]
    for step in ("**Add a fact.**", "**Correct a fact.**", "**Mark a fact superseded.**", "**Route a new subject.**"):
        assert step in section, step
    assert "make validate" in section and "make train" in section and "later_change" in section


def test_every_knowledge_file_the_readme_names_exists():
    section = README.split("## What the assistant knows", 1)[1].split("\n## ", 1)[0]
    table_names = re.findall(
        r"`([a-z_]+\.yml)`", "\n".join(line.split("|")[1] for line in section.splitlines() if line.startswith("| `"))
    )
    named = set(re.findall(r"`(knowledge/[a-z_]+\.yml)`", README)) | {f"knowledge/{name}" for name in table_names}
    assert len(named) >= 5
    missing = sorted(path for path in named if not (PROJECT_ROOT / path).exists())
    assert not missing, missing


def test_the_readme_keeps_its_sections():
    for heading in (
        "## What the assistant knows",
        "## Answerability check and routing",
        "## Knowledge for operators",
        "## Architecture",
        "## Web chat",
        "## Telegram",
        "## Human agents (console)",
        "## Configuration",
        "## Production deployment",
        "## Tests",
        "## Measured",
    ):
        assert f"\n{heading}\n" in README, heading
