"""The policy knowledge base: YAML files under knowledge/, validated when loaded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Optional

import yaml

from .categories import PersonCategory
from .wording import HANDOFF_REASON_LABELS

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parents[1] / "knowledge"
ALL_CATEGORIES = "all"
VERDICTS = ("reimbursable", "settled_on_site", "original_required", "not_until_corrected")
# Rules computed in code, named by kind in the data (see policy_core/rules.py).
LAW_RULE_KINDS = (
    "unemployment_period",
    "injury_claim_deadline",
    "pension_years",
    "late_fee",
    "severance_months",
    "unlawful_dismissal_months",
    "double_pay_months",
    "injury_lump_sum",
)
ROUTE_IDS = ("medical_security", "hrss", "housing_fund", "other")
# Files in knowledge/ that hold no facts: sources, the routing table, the answerability and spelling settings.
NOT_FACT_FILES = ("sources.yml", "routing.yml", "answerability.yml", "spelling.yml")
_TOPIC_RE = re.compile(r"[a-z][a-z0-9_]{1,59}")
# Folded YAML joins lines with spaces; Chinese text must not get them.
_CJK_SPACE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
_URL_RE = re.compile(r"https?://[^\s<>\"']+")
_DATE_RE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class KnowledgeBaseError(ValueError):
    """Bad knowledge data; the message names the file and the entry."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        super().__init__(f"{file}: entry {entry!r}: {problem}")
        self.file, self.entry, self.problem = file, entry, problem


@dataclass(frozen=True)
class PolicyBasis:
    title: str
    number: Optional[str] = None
    article: Optional[str] = None

    def cite(self) -> str:
        # News reports are cited as they are; documents get book-title marks.
        document = self.title if "报道" in self.title else f"《{self.title}》"
        return document + (self.article or "") + (f"（{self.number}）" if self.number else "")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    date: str
    file: Optional[str] = None  # seed file in ../shared/seeds (never shown to residents)
    law_file: Optional[str] = None  # law text in ../shared/laws
    url: Optional[str] = None

    @property
    def is_law(self) -> bool:
        return self.law_file is not None

    def describe(self) -> str:
        """For people: the document or publication with its date (a law: its version date), and its official
        web address when it has one (the web chat makes it a link)."""
        described = f"《{self.title}》（{self.date}版本）" if self.is_law else f"{self.title}（{self.date}）"
        return f"{described} {self.url}" if self.url else described


@dataclass(frozen=True)
class ArrivalRule:
    months_after: int
    day_of_month: int
    counted_from: str


@dataclass(frozen=True)
class EligibilityRule:
    has_account: bool


@dataclass(frozen=True)
class ReimbursementRule:
    verdict: str
    reason: str
    next_steps: tuple[str, ...]


@dataclass(frozen=True)
class LawRule:
    """A rule of national law computed in code; `kind` is one of LAW_RULE_KINDS."""

    kind: str


@dataclass(frozen=True)
class EnglishVersion:
    """A fact's answer in English, given when an English question has a term of every group (lower case)."""

    subject: tuple[tuple[str, ...], ...]
    answer: str


@dataclass(frozen=True)
class PolicyFact:
    id: str
    topic: str
    region: str
    applies_to: tuple[str, ...]
    title: str
    answer: str
    basis: tuple[PolicyBasis, ...]
    source: Source
    file: str
    district: Optional[str] = None
    questions: tuple[str, ...] = ()
    later_change: Optional[str] = None
    rule: ArrivalRule | EligibilityRule | ReimbursementRule | LawRule | None = None
    offer_handoff: bool = False
    handoff: Optional[str] = None
    # Term groups: the fact is only given when the question has a term of every group (policy_core/answerability.py).
    subject: tuple[tuple[str, ...], ...] = ()
    key_figures: tuple[str, ...] = ()
    route: Optional[str] = None  # agency for local details (knowledge/routing.yml)
    local_note: Optional[str] = None
    needs_account: bool = False  # about the personal account: categories without one get that answer
    answers: tuple[str, ...] = ()  # question kinds the answer really gives: procedure, figure, local_figure
    # Terms of questions near the fact that it does not answer (三伏贴: 孕妇, 在家自己贴): never given for those.
    not_about: tuple[str, ...] = ()
    english: Optional[EnglishVersion] = None  # the answer for a question asked in English

    def applies_to_category(self, category: Optional[PersonCategory]) -> bool:
        if ALL_CATEGORIES in self.applies_to:
            return True
        return category is not None and category.value in self.applies_to


@dataclass
class KnowledgeBase:
    facts: list[PolicyFact] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def topics(self) -> set[str]:
        return {fact.topic for fact in self.facts}

    def by_topic(self, topic: str) -> list[PolicyFact]:
        return [fact for fact in self.facts if fact.topic == topic]

    def rule_facts(self, rule_type: type) -> list[PolicyFact]:
        return [fact for fact in self.facts if isinstance(fact.rule, rule_type)]

    def questions_of(self, topic: str) -> list[str]:
        return [question for fact in self.by_topic(topic) for question in fact.questions]


def _require(data: dict, key: str, kind: type | tuple, file: str, entry: str) -> Any:
    if key not in data or data[key] is None:
        raise KnowledgeBaseError(file, entry, f"missing required field '{key}'")
    value = data[key]
    if not isinstance(value, kind):
        raise KnowledgeBaseError(file, entry, f"field '{key}' must be {getattr(kind, '__name__', kind)}")
    if isinstance(value, str) and not value.strip():
        raise KnowledgeBaseError(file, entry, f"field '{key}' is empty")
    return value


def _parse_rule(raw: Any, file: str, entry: str):
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(file, entry, "field 'rule' must be a mapping")
    kind = raw.get("kind")
    if kind == "arrival":
        months_after = _require(raw, "months_after", int, file, entry)
        day = _require(raw, "day_of_month", int, file, entry)
        if not 0 <= months_after <= 12 or not 1 <= day <= 28:
            raise KnowledgeBaseError(file, entry, "arrival rule needs 0<=months_after<=12 and 1<=day_of_month<=28")
        return ArrivalRule(months_after, day, _require(raw, "counted_from", str, file, entry))
    if kind == "eligibility":
        return EligibilityRule(_require(raw, "has_account", bool, file, entry))
    if kind == "reimbursement":
        verdict = _require(raw, "verdict", str, file, entry)
        if verdict not in VERDICTS:
            raise KnowledgeBaseError(file, entry, f"unknown verdict {verdict!r}; expected one of {VERDICTS}")
        steps = _require(raw, "next_steps", list, file, entry)
        if not steps or not all(isinstance(step, str) and step.strip() for step in steps):
            raise KnowledgeBaseError(file, entry, "next_steps must be a non-empty list of texts")
        return ReimbursementRule(verdict, _require(raw, "reason", str, file, entry), tuple(steps))
    if kind in LAW_RULE_KINDS:
        return LawRule(kind)
    raise KnowledgeBaseError(file, entry, f"unknown rule kind {kind!r}")


def _parse_sources(data: Any, file: str) -> dict[str, Source]:
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise KnowledgeBaseError(file, "-", "a sources file needs a 'sources' list")
    sources: dict[str, Source] = {}
    for index, raw in enumerate(data["sources"]):
        entry = raw.get("id", f"#{index}") if isinstance(raw, dict) else f"#{index}"
        if not isinstance(raw, dict):
            raise KnowledgeBaseError(file, entry, "each source must be a mapping")
        source_id = _require(raw, "id", str, file, entry)
        date = str(_require(raw, "date", (str, int), file, entry))
        if not _DATE_RE.fullmatch(date):
            raise KnowledgeBaseError(file, entry, f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        if source_id in sources:
            raise KnowledgeBaseError(file, entry, "duplicate source id")
        url = raw.get("url")
        if url is not None and not (isinstance(url, str) and _URL_RE.fullmatch(url)):
            raise KnowledgeBaseError(file, entry, f"url {url!r} must be an http(s) address without spaces")
        sources[source_id] = Source(
            source_id,
            _require(raw, "title", str, file, entry),
            date,
            raw.get("file"),
            raw.get("law_file"),
            raw.get("url"),
        )
    return sources


def _parse_fact(raw: Any, index: int, file: str, sources: dict[str, Source]) -> PolicyFact:
    entry = raw.get("id", f"#{index}") if isinstance(raw, dict) else f"#{index}"
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(file, entry, "each fact must be a mapping")
    fact_id = _require(raw, "id", str, file, entry)
    applies_to = _require(raw, "applies_to", list, file, entry)
    known = {c.value for c in PersonCategory} | {ALL_CATEGORIES}
    for category in applies_to:
        if category not in known:
            raise KnowledgeBaseError(file, entry, f"unknown person category {category!r}")
    basis_raw = _require(raw, "basis", list, file, entry)
    if not basis_raw:
        raise KnowledgeBaseError(file, entry, "every fact needs at least one policy basis")
    basis = []
    for item in basis_raw:
        if not isinstance(item, dict):
            raise KnowledgeBaseError(file, entry, "each basis must be a mapping with a title")
        basis.append(PolicyBasis(_require(item, "title", str, file, entry), item.get("number"), item.get("article")))
    source_id = _require(raw, "source", str, file, entry)
    if source_id not in sources:
        raise KnowledgeBaseError(file, entry, f"source {source_id!r} is not listed in sources.yml")
    handoff = raw.get("handoff")
    if handoff is not None and handoff not in HANDOFF_REASON_LABELS:
        raise KnowledgeBaseError(file, entry, f"unknown handoff reason {handoff!r}")
    questions = raw.get("questions") or []
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise KnowledgeBaseError(file, entry, "questions must be a list of texts")
    topic = _require(raw, "topic", str, file, entry)
    if not _TOPIC_RE.fullmatch(topic):
        raise KnowledgeBaseError(file, entry, f"topic {topic!r} must be snake_case English (it is an intent name)")
    rule = _parse_rule(raw.get("rule"), file, entry)
    subject = _parse_subject(raw.get("subject"), file, entry)
    route = raw.get("route")
    if route is not None and route not in ROUTE_IDS:
        raise KnowledgeBaseError(file, entry, f"unknown route {route!r}; expected one of {ROUTE_IDS}")
    figures = raw.get("key_figures") or []
    if not isinstance(figures, list) or not all(isinstance(f, (str, int)) for f in figures):
        raise KnowledgeBaseError(file, entry, "key_figures must be a list of texts")
    if sources[source_id].is_law and not all(b.article for b in basis):
        raise KnowledgeBaseError(file, entry, "a fact from a law names the article of every basis")
    return PolicyFact(
        id=fact_id,
        topic=topic,
        region=_require(raw, "region", str, file, entry),
        district=raw.get("district"),
        applies_to=tuple(applies_to),
        title=_require(raw, "title", str, file, entry),
        answer=_clean_text(_require(raw, "answer", str, file, entry)),
        basis=tuple(basis),
        source=sources[source_id],
        file=file,
        questions=tuple(questions),
        later_change=_clean_text(raw["later_change"]) if raw.get("later_change") else None,
        rule=rule,
        offer_handoff=bool(raw.get("offer_handoff", False)),
        handoff=handoff,
        subject=subject,
        key_figures=tuple(str(f) for f in figures),
        route=route,
        local_note=_clean_text(raw["local_note"]) if raw.get("local_note") else None,
        english=_parse_english(raw.get("english"), file, entry),
        needs_account=bool(raw.get("needs_account", False)),
        answers=_parse_answers(raw.get("answers"), file, entry),
        not_about=_parse_subject([raw["not_about"]], file, entry)[0] if raw.get("not_about") else (),
    )


# local_figure: the answer gives no amount because the law leaves it to each place, and says who sets it and
# within which bounds (各省定，不低于低保), which is the honest answer to "能拿多少".
QUESTION_KINDS = ("procedure", "figure", "local_figure")


def _parse_english(raw: Any, file: str, entry: str) -> Optional[EnglishVersion]:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(file, entry, "field 'english' must be a mapping with subject and answer")
    answer = _require(raw, "answer", str, file, entry)
    if not answer.strip():
        raise KnowledgeBaseError(file, entry, "english answer is empty")
    subject = _parse_subject(raw.get("subject"), file, entry)
    return EnglishVersion(tuple(tuple(t.lower() for t in group) for group in subject), " ".join(answer.split()))


def _parse_answers(raw: Any, file: str, entry: str) -> tuple[str, ...]:
    kinds = raw or []
    if not isinstance(kinds, list) or any(k not in QUESTION_KINDS for k in kinds):
        raise KnowledgeBaseError(file, entry, f"answers must list question kinds among {QUESTION_KINDS}")
    return tuple(kinds)


# A subject term written "re:…" is a regular expression: residents ask "when does it arrive" in more ways
# than a word list can hold ("啥时到", "几号有", "多久能见着钱").
PATTERN_PREFIX = "re:"


@cache
def _term_pattern(term: str) -> re.Pattern:
    return re.compile(term[len(PATTERN_PREFIX) :])


def term_in(term: str, text: str) -> bool:
    """Whether a subject term (a word, or a "re:" pattern) occurs in the text."""
    if term.startswith(PATTERN_PREFIX):
        return _term_pattern(term).search(text) is not None
    return term in text


def _parse_subject(raw: Any, file: str, entry: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(raw, list) or not raw:
        raise KnowledgeBaseError(file, entry, "missing required field 'subject' (a list of term groups)")
    groups = []
    for group in raw:
        terms = group if isinstance(group, list) else [group]
        if not terms or not all(isinstance(t, (str, int)) and str(t).strip() for t in terms):
            raise KnowledgeBaseError(file, entry, "each subject group must be a non-empty list of terms")
        for term in terms:
            if str(term).startswith(PATTERN_PREFIX):
                try:
                    _term_pattern(str(term).strip())
                except re.error as error:
                    raise KnowledgeBaseError(file, entry, f"bad pattern term {term!r}: {error}") from error
        groups.append(tuple(str(t).strip() for t in terms))
    return tuple(groups)


def _clean_text(text: str) -> str:
    return _CJK_SPACE.sub("", " ".join(str(text).split()))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise KnowledgeBaseError(path.name, "-", f"not valid YAML: {error}") from error


def load_knowledge_base(directory: Path | str = DEFAULT_KNOWLEDGE_DIR) -> KnowledgeBase:
    """Load sources.yml and every other *.yml in `directory`; raise KnowledgeBaseError on bad data."""
    directory = Path(directory)
    sources_path = directory / "sources.yml"
    if not sources_path.exists():
        raise KnowledgeBaseError("sources.yml", "-", f"not found in {directory}")
    sources = _parse_sources(_read_yaml(sources_path), sources_path.name)
    facts: list[PolicyFact] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        if path.name in NOT_FACT_FILES:
            continue
        data = _read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
            raise KnowledgeBaseError(path.name, "-", "a knowledge file needs a 'facts' list")
        for index, raw in enumerate(data["facts"]):
            fact = _parse_fact(raw, index, path.name, sources)
            if fact.id in seen:
                raise KnowledgeBaseError(path.name, fact.id, f"duplicate id (also in {seen[fact.id]})")
            seen[fact.id] = path.name
            facts.append(fact)
    if not facts:
        raise KnowledgeBaseError(directory.name, "-", "no facts found")
    _check_questions_do_not_collide(facts)
    return KnowledgeBase(facts, sources)


_QUESTION_NOISE = re.compile(r"[\s，。！？、,.!?;；:：~～…\"'“”‘’（）()]+")


def question_key(question: str) -> str:
    """Two example questions with the same key are the same question (spaces and punctuation ignored)."""
    return _QUESTION_NOISE.sub("", question).lower()


def question_collision(facts: list[PolicyFact]) -> Optional[tuple[str, PolicyFact, PolicyFact]]:
    """The first example question two facts of different topics share: (question, fact, the earlier fact).

    The same example question under two topics would teach NLU two answers to one question."""
    owner: dict[str, PolicyFact] = {}
    for fact in facts:
        for question in fact.questions:
            other = owner.setdefault(question_key(question), fact)
            if other.topic != fact.topic:
                return question, fact, other
    return None


def _check_questions_do_not_collide(facts: list[PolicyFact]) -> None:
    collision = question_collision(facts)
    if collision is not None:
        question, fact, other = collision
        raise KnowledgeBaseError(
            fact.file, fact.id, f"example question {question!r} is also an example of {other.id} ({other.file})"
        )
