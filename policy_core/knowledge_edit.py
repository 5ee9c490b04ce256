"""Changes to the knowledge files made from the operators' review page: example questions added to a fact,
and new-fact drafts.

Examples are written into the fact's own knowledge/*.yml file with ruamel.yaml's round trip, so its
comments, anchors and layout stay as they were, and only when the whole knowledge base still loads with
the change (the loader's checks, among them colliding example questions); otherwise nothing is written.
Drafts go to knowledge/drafts/, which the loader does not read: a draft is live only once an operator has
completed it and moved its fact into a knowledge file. The directory is POLICY_KNOWLEDGE_DIR (default
knowledge/), as for the action server and training.
"""

from __future__ import annotations

import dataclasses
import fcntl
import io
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator, Optional, Sequence

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from . import config
from .db import private_dir
from .knowledge_base import (
    DEFAULT_KNOWLEDGE_DIR,
    KnowledgeBase,
    KnowledgeBaseError,
    PolicyFact,
    load_knowledge_base,
    question_collision,
    question_key,
)

DRAFTS_DIR = "drafts"
MAX_DRAFTS_PER_DAY = 999
# One writer at a time, also across Rasa processes: two operators adding to the same file must not lose
# each other's examples.
_WRITE_LOCK = threading.Lock()


@contextmanager
def _writing() -> Iterator[None]:
    private_dir(config.DATA_DIR)
    with _WRITE_LOCK, open(config.DATA_DIR / "knowledge-edit.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def knowledge_dir() -> Path:
    return Path(os.environ.get("POLICY_KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)


class KnowledgeEditError(Exception):
    """The change was not made; the message (Chinese, for the operator) says why."""


class UnknownFact(KnowledgeEditError):
    pass


@dataclass(frozen=True)
class Collision:
    question: str  # the new example question
    fact: PolicyFact  # the fact of another topic that already has it


class ExampleCollision(KnowledgeEditError):
    def __init__(self, collisions: Sequence[Collision]) -> None:
        self.collisions = tuple(collisions)
        named = "；".join(
            f"“{c.question}”已是知识 {c.fact.id}（{c.fact.title}，{c.fact.file}）的例句" for c in self.collisions
        )
        super().__init__(f"未写入任何例句：{named}。同一句话不能教给两个主题，请选择那条知识，或忽略这一组。")


@dataclass(frozen=True)
class ExamplesAdded:
    fact: PolicyFact
    added: tuple[str, ...]
    already_there: tuple[str, ...]  # the fact has them already (spaces and punctuation ignored)


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, anchors and quoting are kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=2, sequence=4, offset=2)  # the layout of every knowledge file
    return yaml


def load(directory: Optional[Path] = None) -> KnowledgeBase:
    try:
        return load_knowledge_base(directory or knowledge_dir())
    except KnowledgeBaseError as error:
        raise KnowledgeEditError(f"知识库当前无法通过校验，请先修正：{error}") from error


def new_examples(fact: PolicyFact, questions: Sequence[str]) -> tuple[list[str], list[str]]:
    """(questions the fact lacks, in order and without repeats; those it already has)."""
    existing = {question_key(q) for q in fact.questions}
    seen: set[str] = set()
    added, already = [], []
    for question in (q.strip() for q in questions):
        if not question or question.startswith("/"):  # a button's payload is not a way of asking
            continue
        key = question_key(question)
        if key in existing:
            if question not in already:
                already.append(question)
        elif key not in seen:
            seen.add(key)
            added.append(question)
    return added, already


def collisions(knowledge: KnowledgeBase, fact: PolicyFact, questions: Sequence[str]) -> list[Collision]:
    """Each of `questions` that a fact of another topic already has, found by the loader's own check."""
    remaining, found = list(questions), []
    while remaining:
        extended = dataclasses.replace(fact, questions=fact.questions + tuple(remaining))
        collision = question_collision([extended if f.id == fact.id else f for f in knowledge.facts])
        if collision is None:
            break
        question, later, earlier = collision
        other = earlier if later.id == fact.id else later
        key = question_key(question)
        clashing = next(q for q in remaining if question_key(q) == key)
        found.append(Collision(clashing, other))
        remaining.remove(clashing)
    return found


def add_examples(fact_id: str, questions: Sequence[str], directory: Optional[Path] = None) -> ExamplesAdded:
    """Append `questions` to the fact's `questions:` in its file, or raise (and write nothing)."""
    directory = Path(directory or knowledge_dir())
    with _writing():
        knowledge = load(directory)
        fact = next((f for f in knowledge.facts if f.id == fact_id), None)
        if fact is None:
            raise UnknownFact(f"知识库里没有 id 为 {fact_id} 的知识")
        added, already = new_examples(fact, questions)
        clashes = collisions(knowledge, fact, added)
        if clashes:
            raise ExampleCollision(clashes)
        if added:
            path = directory / fact.file
            text = _with_examples(path.read_text(encoding="utf-8"), fact_id, added)
            _check_loads(directory, fact.file, text)
            _replace(path, text)
        return ExamplesAdded(fact, tuple(added), tuple(already))


def _flow(items: list) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _scalar(question: str) -> str:
    """Plain where the loader (PyYAML, YAML 1.1) reads the text back as that text; quoted otherwise, so that
    e.g. "yes" or "1.5" stays a question and does not become true or a number."""
    try:
        plain = pyyaml.safe_load(question) == question
    except pyyaml.YAMLError:
        plain = False
    return question if plain else SingleQuotedScalarString(question)


def _with_examples(text: str, fact_id: str, questions: Sequence[str]) -> str:
    yaml = _yaml()
    data = yaml.load(text)
    entry = next(e for e in data["facts"] if isinstance(e, dict) and e.get("id") == fact_id)
    examples = entry.get("questions")
    if examples is None:
        examples = CommentedSeq()
        keys = list(entry)
        # Where the other facts have them: after the title, or at the end.
        entry.insert(keys.index("title") + 1 if "title" in keys else len(keys), "questions", examples)
    # A comment after the last example belongs to what follows the list: keep it after the new last one.
    last = len(examples) - 1
    trailing = examples.ca.items.pop(last, None) if last >= 0 else None
    examples.extend(_scalar(q) for q in questions)
    if trailing is not None:
        examples.ca.items[len(examples) - 1] = trailing
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _check_loads(directory: Path, file: str, text: str) -> None:
    """The knowledge base with the changed file must load, as `make validate` would load it."""
    with tempfile.TemporaryDirectory(prefix="knowledge-check-") as scratch:
        for path in directory.glob("*.yml"):
            shutil.copyfile(path, Path(scratch) / path.name)
        (Path(scratch) / file).write_text(text, encoding="utf-8")
        try:
            load_knowledge_base(scratch)
        except KnowledgeBaseError as error:
            raise KnowledgeEditError(f"未写入：修改后的知识库无法通过校验：{error}") from error


def _replace(path: Path, text: str) -> None:
    """Write beside the file and rename over it: a reader (or a crash) never sees half a file."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_draft(
    questions: Sequence[str],
    day: date,
    subjects: Sequence[str] = (),
    fact_ids: Sequence[str] = (),
    operator: str = "",
    directory: Optional[Path] = None,
) -> Path:
    """A new-fact stub knowledge/drafts/<day>-<n>.yml with the questions and TODO fields; returns its path."""
    folder = Path(directory or knowledge_dir()) / DRAFTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    examples = list(dict.fromkeys(q.strip() for q in questions if q.strip() and not q.startswith("/")))
    fact = CommentedMap(
        [
            ("id", "todo_new_fact_id"),
            ("topic", "todo_topic"),
            ("region", "TODO"),
            ("applies_to", _flow(["all"])),
            ("title", "TODO"),
            ("subject", [_flow(["TODO"]), _flow(["TODO"])]),
            ("answer", "TODO"),
            ("basis", [CommentedMap([("title", "TODO"), ("number", "TODO"), ("article", "TODO")])]),
            ("source", "TODO"),
            ("questions", [_scalar(q) for q in examples]),
        ]
    )
    header = [
        "新知识草稿：由复核页生成"
        + (f"（{operator}）" if operator else "")
        + f"，{day.isoformat()}，来自 {len(examples)} 个居民问法。本目录不会被加载。",
        "补全所有 TODO（写法参照 knowledge/ 下已有的知识）：id 全库唯一（小写英文和下划线）；topic 是意图名，",
        "同一主题的知识共用一个；region 是 全国 或城市名；subject 第一组是主题词，其后每组是要问的方面；",
        "basis 是政策依据（文件、文号、条款）；source 是 sources.yml 里的出处 id。",
        "然后把这条知识移到 knowledge/ 下某个知识文件的 facts: 列表中，运行 make validate 检查，",
        "再 make train 并重启助手后生效。",
    ]
    if subjects:
        header.append("居民问题涉及的转介主题：" + "、".join(subjects))
    if fact_ids:
        header.append("助手当时给出的知识：" + "、".join(fact_ids))
    out = io.StringIO()
    _yaml().dump({"facts": [fact]}, out)
    text = "".join(f"# {line}\n" for line in header) + out.getvalue()
    for number in range(1, MAX_DRAFTS_PER_DAY + 1):
        path = folder / f"{day.isoformat()}-{number}.yml"
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path
    raise KnowledgeEditError(f"{folder} 里今天的草稿已经太多，请先处理已有的草稿")
