"""Knowledge is data: a new fact with its example questions in knowledge/, then training, makes it answerable,
with no change to Python, domain.yml or rules, and the existing answers stay the same."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.answer_eval import MODEL, Parser, question_of
from policy_core import PolicyService, respond
from policy_core.config import PROJECT_ROOT

pytestmark = pytest.mark.model

NEW_FACT = """
facts:
  - id: korla_union_childcare
    topic: union_childcare_subsidy
    region: 库尔勒
    applies_to: [in_service]
    title: 工会的职工子女托育补助有多少
    subject:
      - [托育, 托管, 托位, 带娃, 托儿]
      - [补助, 补贴, 多少钱, 给多少, 资助]
    answer: >-
      库尔勒市总工会的职工子女托育托管项目，每个托位每年补助8000元，职工每月约得600余元补助。
    basis:
      - title: 库尔勒市总工会职工子女托育托管项目报道（未注明政策文件）
    source: seed_004
    route: other
    answers: [figure]
    questions:
      - 工会的托育补助一个月有多少
      - 职工孩子送托育中心工会给补贴吗
      - 托位每年补助多少钱
      - 库尔勒工会托管孩子有补助吗
      - 带娃难，工会的托育项目补助多少
      - 一线职工子女托育有什么补贴
      - 托育托管项目每个托位补助多少
      - 工会给的托育补贴是多少钱
"""
EXISTING = [
    "我在职，1月份的钱什么时候到",
    "发票复印件能报销吗",
    "医保卡丢了怎么补办",
    "我交了7年失业保险能领多久",
    "单位欠了1万元社保拖了60天滞纳金多少",
    "三伏贴医保能报吗",
    "把医保卡借给别人用违法吗",
]


def test_a_new_fact_is_answered_after_training_and_nothing_else_changes(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_ROOT / name, project / name)
    for name in ("data", "knowledge"):
        shutil.copytree(PROJECT_ROOT / name, project / name)
    (project / "knowledge" / "union_childcare.yml").write_text(NEW_FACT, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "POLICY_KNOWLEDGE_DIR": str(project / "knowledge"),
        "RASA_TELEMETRY_ENABLED": "false",
    }
    rasa = str(Path(sys.executable).with_name("rasa"))
    result = subprocess.run(
        [rasa, "train", "--fixed-model-name", "new-fact", "--out", "models"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    new_service = PolicyService.load(project / "knowledge")
    new_parser = Parser(project / "models" / "new-fact.tar.gz")
    reply = respond(
        new_service, question_of("工会的托育补贴一个月给多少钱", new_parser.parse("工会的托育补贴一个月给多少钱"))
    )
    text = "\n".join(m.plain() for m in reply.messages)
    assert reply.fact_ids == ("korla_union_childcare",) and "8000元" in text

    old_service, old_parser = PolicyService.load(), Parser(MODEL)
    for question in EXISTING:
        old = respond(old_service, question_of(question, old_parser.parse(question)))
        new = respond(new_service, question_of(question, new_parser.parse(question)))
        assert (new.outcome, new.fact_ids, new.agency) == (old.outcome, old.fact_ids, old.agency), question
