"""The answerability check: a fact is given only when the question is really about it.

A question is answered with a topic's facts only when
- the question names the fact's subject (a term of its first subject group, the thing asked about),
- it asks none of the aspects the knowledge base never answers (补办, 激活, 备案 …) unless the fact itself
  lists that aspect, and
- either it also names the fact's aspect (a term of every further subject group) and NLU ranks the topic
  with enough confidence, or NLU is confident with a clear margin, or it is almost one of the fact's own
  example questions.
The thresholds and the uncovered aspects are data (knowledge/answerability.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import yaml
from rapidfuzz import fuzz, process

from .knowledge_base import (
    DEFAULT_KNOWLEDGE_DIR,
    PATTERN_PREFIX,
    KnowledgeBase,
    KnowledgeBaseError,
    PolicyFact,
    term_in,
)

SETTINGS_FILE = "answerability.yml"
# NLU's class for "a question on a subject we route but do not answer", trained from the routing table.
UNCOVERED_INTENT = "uncovered_question"
NOT_CONFIDENT = "NLU not confident enough"
CLOSE_TO_EXAMPLE = "close to an example question"
# How residents ask what no fact answers: procedures, local figures, their own records.
UNCOVERED_TEMPLATES = (
    "{term}怎么办理",
    "{term}去哪里办",
    "办{term}需要带什么材料",
    "{term}在手机上怎么弄",
    "{term}的流程是什么",
    "{term}每个月具体多少钱",
    "我的{term}怎么查",
    "{term}在网上能办吗",
)


@dataclass(frozen=True)
class GateSettings:
    min_confidence_with_aspect: float
    min_confidence_without_aspect: float
    min_margin_without_aspect: float
    min_similarity: float
    min_similarity_without_aspect: float
    min_similarity_by_words: float
    candidates: int
    min_uncovered_confidence: float
    uncovered_aspects: tuple[str, ...]
    # (kind, pattern): questions asking a procedure or a figure, answered only by facts of that kind.
    question_kinds: tuple[tuple[str, re.Pattern], ...] = ()
    # (question, answer) pairs: a question asking for a figure of this sort (a sum one receives, a number of
    # years, a duration) is answered only by a fact whose answer states one; the national rules leave many
    # such figures to each city.
    stated_figures: tuple[tuple[re.Pattern, re.Pattern], ...] = ()
    # English questions asking what no English answer covers (how to apply, the local amount …).
    english_uncovered_aspects: tuple[str, ...] = ()
    # A question naming the subject, neither the aspect nor close to an example: NLU's first choice this sure
    # by this margin (residents tell a story; the aspect words are theirs, not the fact's).
    min_confidence_by_nlu: float = 1.01
    min_margin_by_nlu: float = 1.01
    # An answer stating an amount, a share or a multiple answers a figure question.
    figure_answer: Optional[re.Pattern] = None
    # Several topics named by words: the closest is given when it leads the next by this many similarity
    # points (the others only share a word or two of the story).
    min_similarity_lead_by_words: float = 101.0


@dataclass(frozen=True)
class GateDecision:
    topic: Optional[str]
    confidence: float = 0.0
    similarity: float = 0.0
    reason: str = ""


def load_gate_settings(directory: Path | str = DEFAULT_KNOWLEDGE_DIR) -> GateSettings:
    path = Path(directory) / SETTINGS_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        thresholds = raw["thresholds"]
        return GateSettings(
            float(thresholds["min_confidence_with_aspect"]),
            float(thresholds["min_confidence_without_aspect"]),
            float(thresholds["min_margin_without_aspect"]),
            float(thresholds["min_similarity"]),
            float(thresholds["min_similarity_without_aspect"]),
            float(thresholds["min_similarity_by_words"]),
            int(thresholds.get("candidates", 3)),
            float(thresholds["min_uncovered_confidence"]),
            tuple(str(a) for a in raw.get("uncovered_aspects") or ()),
            tuple((kind, re.compile(pattern)) for kind, pattern in (raw.get("question_kinds") or {}).items()),
            tuple(
                (re.compile(pair["question"]), re.compile(pair["answer"]))
                for pair in (raw.get("stated_figures") or {}).values()
            ),
            tuple(str(a).lower() for a in raw.get("english_uncovered_aspects") or ()),
            float(thresholds.get("min_confidence_by_nlu", 1.01)),
            float(thresholds.get("min_margin_by_nlu", 1.01)),
            re.compile(raw["figure_answer"]) if raw.get("figure_answer") else None,
            float(thresholds.get("min_similarity_lead_by_words", 101.0)),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, re.error) as error:
        raise KnowledgeBaseError(SETTINGS_FILE, "-", f"bad answerability settings: {error}") from error


# A last clause this long names its own question ("想问问失业金最长能领几个月"), not only a "能报吗".
MIN_CLAUSE_LENGTH = 8
_CLAUSE_BREAK = re.compile(r"[\s，。？！,.?!；;：:、]+")


def _clauses(text: str) -> list[str]:
    return [p for p in _CLAUSE_BREAK.split(text) if p]


def last_clause(text: str) -> str:
    """The question's last clause ("…我现在回老家了 想问问失业金最长能领几个月" → "想问问失业金最长能领几个月")."""
    parts = _clauses(text)
    return parts[-1] if parts else text


def _in(term: str, text: str) -> bool:
    """A term in the text, or in the text without its spaces ("不按规定 申报" names 不按规定申报)."""
    return term_in(term, text) or (" " in text and term_in(term, text.replace(" ", "")))


def _english_term_in(term: str, text: str) -> bool:
    """An English term starting a word ("heir" is not in "their"; "contract" is in "contracts")."""
    if term.startswith(PATTERN_PREFIX) or not term[:1].isascii() or not term[:1].isalpha():
        return term_in(term, text)
    return re.search(r"(?<![a-z])" + re.escape(term), text) is not None


def names_thing(fact: PolicyFact, text: str) -> bool:
    return any(_in(term, text) for term in fact.subject[0])


def names_aspect(fact: PolicyFact, text: str) -> bool:
    return all(any(_in(term, text) for term in group) for group in fact.subject[1:])


def asks_uncovered_aspect(fact: PolicyFact, text: str, settings: GateSettings) -> bool:
    """A term the fact says it is not about counts; an aspect no fact answers (补办, 怎么查 …) counts unless one of the fact's own terms contains it; a
    figure the answer must state (能领多少钱, 交满多少年, 要多长时间) counts unless the fact's answer states
    one; a procedure (怎么办理, 去哪打印) or a figure (多少钱, 几成) counts unless the fact says it answers
    that kind."""
    if any(term_in(term, text) for term in fact.not_about):
        return True
    own_terms = [term for group in fact.subject for term in group if not term.startswith(PATTERN_PREFIX)]
    if any(aspect in text and not any(aspect in term for term in own_terms) for aspect in settings.uncovered_aspects):
        return True
    # A fact that hands the resident to a person who can read their records (养老金能拿多少) answers the figure that way;
    # one marked `answers: [local_figure]` answers it by saying who sets the figure and its bounds (各省定，不低于低保).
    if (
        not fact.handoff
        and "local_figure" not in fact.answers
        and any(q.search(text) and not a.search(fact.answer) for q, a in settings.stated_figures)
    ):
        return True
    answers = set(fact.answers)
    if "local_figure" in answers or (settings.figure_answer is not None and settings.figure_answer.search(fact.answer)):
        answers.add("figure")
    return any(kind not in answers and pattern.search(text) for kind, pattern in settings.question_kinds)


def uncovered_examples(routing, knowledge: KnowledgeBase, terms_per_subject: int = 2) -> list[str]:
    """Training examples for UNCOVERED_INTENT from the routing table, minus anything a fact already lists."""
    taken = {q for fact in knowledge.facts for q in fact.questions}
    examples: list[str] = []
    for subject in routing.subjects:
        for term in sorted(subject.terms, key=len, reverse=True)[:terms_per_subject]:
            for template in UNCOVERED_TEMPLATES:
                example = template.format(term=term)
                if example not in taken and example not in examples:
                    examples.append(example)
    return examples


# Two facts are about the same thing when nearly all the terms of the shorter thing group are in the other
# (the Beijing personal-account facts share one list, each with a few words of its own).
SAME_THING_SHARE = 0.8


def _same_thing(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    shared = len(set(first) & set(second))
    return shared > 0 and shared >= SAME_THING_SHARE * min(len(set(first)), len(set(second)))


def asks_uncovered_in_question(fact: PolicyFact, text: str, settings: GateSettings) -> bool:
    """asks_uncovered_aspect, where a story ending in a question of its own about a computed rule ("…想看看个人
    账户能用多少。2月的个人账户钱什么时候能到？") is judged by that question: the story may mention what no
    fact answers (产检, 余额) without asking it. Other facts are judged on the whole question, whose earlier
    clauses often ask what they do not answer ("养老金计算器在哪 想算算我以后退休金"). What the fact says it
    is not about counts anywhere."""
    clause = _question_clause(fact, text) if fact.rule is not None and len(fact.subject) > 1 else None
    if clause is not None:
        return any(term_in(term, text) for term in fact.not_about) or asks_uncovered_aspect(fact, clause, settings)
    return asks_uncovered_aspect(fact, text, settings)


def _question_clause(fact: PolicyFact, text: str) -> Optional[str]:
    """The text from the last clause that asks the fact's question on its own to the end ("…药店刷卡余额有问题，我就
    好奇了，我这在职的10月份的个人账户钱几号到？会不会跨年？" → "我这在职的10月份的个人账户钱几号到 会不会跨年"):
    what follows the question may still ask what no fact answers ("…怎么还没打进来 你帮我查查"). None when no
    clause but the first asks it."""
    parts = _clauses(text)
    for start in range(len(parts) - 1, 0, -1):
        part = parts[start]
        if len(part) >= MIN_CLAUSE_LENGTH and names_thing(fact, part) and names_aspect(fact, part):
            return " ".join(parts[start:])
    return None


class AnswerabilityGate:
    def __init__(self, knowledge: KnowledgeBase, settings: GateSettings) -> None:
        self.knowledge = knowledge
        self.settings = settings
        self._examples = {topic: [q for q in knowledge.questions_of(topic)] for topic in knowledge.topics}

    def similarity(self, topic: str, text: str, last_clause_too: bool = False) -> float:
        """rapidfuzz ratio to the closest example; with `last_clause_too`, of the whole question or of its last
        clause if that is a question of its own (residents tell the story first and ask at the end)."""
        examples = self._examples.get(topic) or []
        if not examples or not text:
            return 0.0
        parts = {text}
        clause = last_clause(text)
        if last_clause_too and len(clause) >= MIN_CLAUSE_LENGTH:
            parts.add(clause)
        best = 0.0
        for part in parts:
            found = process.extractOne(part, examples, scorer=fuzz.ratio)
            best = max(best, float(found[1]) if found else 0.0)
        return best

    def decide(self, text: str, ranking: Sequence[tuple[str, float]]) -> GateDecision:
        """The topic to answer, or None with the reason the nearest candidates were refused.

        A candidate whose subject and aspect are both named wins over NLU's first choice that only names
        the subject ("我5月份的钱什么时候能到这个存折里" is about arrival, not what the passbook is).
        """
        settings = self.settings
        ranked = [(name, conf) for name, conf in ranking if name]
        candidates = []
        for topic, confidence in ranked[: settings.candidates]:
            if topic == UNCOVERED_INTENT and confidence >= settings.min_uncovered_confidence:
                break
            if self.knowledge.by_topic(topic):
                candidates.append((topic, confidence))
        stopped = len(candidates) < len([n for n, _ in ranked[: settings.candidates] if self.knowledge.by_topic(n)])
        reasons = []
        # Named in words but ranked with too little confidence: the words may still decide, as for unranked topics.
        unsure = set()
        for strict in (True, False):
            named = []
            for topic, confidence in candidates:
                runner_up = max((c for n, c in ranked if n != topic), default=0.0)
                is_top = ranked[0][0] == topic
                verdict = self._check(
                    self.knowledge.by_topic(topic),
                    topic,
                    text,
                    confidence,
                    confidence - runner_up,
                    is_top,
                    allow_without_aspect=not strict,
                )
                if verdict.topic and (not strict or verdict.reason == CLOSE_TO_EXAMPLE):
                    return verdict
                if verdict.topic:
                    named.append(verdict)
                if strict and verdict.reason == NOT_CONFIDENT:
                    unsure.add(topic)
                if not strict:
                    reasons.append(f"{topic}:{verdict.reason}")
            if named:
                # Several candidates name their subject and aspect: the one naming more term groups wins
                # ("医院伪造病历骗医保怎么罚" is about a hospital's penalty, not a patient's), then NLU's order.
                return max(named, key=lambda v: self._specificity(v.topic, text))
            if strict and not stopped:
                by_words = self._only_topic_named(text, {name for name, _ in ranked[: settings.candidates]} - unsure)
                if by_words:
                    return by_words
        if stopped:
            reasons.append("NLU ranks it a question no fact answers")
        return GateDecision(None, reason="; ".join(reasons) or "no policy topic ranked")

    def _specificity(self, topic: str, text: str) -> int:
        """How specific a topic's match is: the number of its term groups the question names."""
        return max(
            (len(f.subject) for f in self.knowledge.by_topic(topic) if names_thing(f, text) and names_aspect(f, text)),
            default=0,
        )

    def english_facts(self, text: str) -> list[PolicyFact]:
        """The facts an English question is about: every English term group named, all of one topic, and
        nothing asked that no English answer covers unless the fact's own terms hold it. Otherwise none (the resident
        hears where to go)."""
        lowered = " ".join(text.lower().split())
        # As in Chinese, an aspect no answer covers counts unless one of the fact's own terms holds it
        # ("how long does it take for" the account money to arrive is the arrival rule).
        asked = [aspect for aspect in self.settings.english_uncovered_aspects if _english_term_in(aspect, lowered)]
        found = [
            fact
            for fact in self.knowledge.facts
            if fact.english
            and all(any(_english_term_in(t, lowered) for t in group) for group in fact.english.subject)
            and not any(
                all(
                    aspect not in t for group in fact.english.subject for t in group if not t.startswith(PATTERN_PREFIX)
                )
                for aspect in asked
            )
        ]
        return found if len({fact.topic for fact in found}) == 1 else []

    def decide_in_context(
        self, text: str, ranking: Sequence[tuple[str, float]], last_topic: str, names_general_subject: bool = False
    ) -> GateDecision:
        """A follow-up ("这是哪个文件规定的？") carries the subject of the topic just answered: a candidate about
        the same thing may be given when the question names its aspect. A fact without aspect groups (三伏贴)
        is given again only to a follow-up naming the general subject ("医保给报销吗"), never to "谢谢啦"."""
        earlier = self.knowledge.by_topic(last_topic)
        things = [fact.subject[0] for fact in earlier]
        ranked = [(n, c) for n, c in ranking if n][: self.settings.candidates]
        if last_topic not in dict(ranked):
            ranked.append((last_topic, self.settings.min_confidence_with_aspect))
        for topic, confidence in ranked:
            if confidence < self.settings.min_confidence_with_aspect:
                continue
            facts = [f for f in self.knowledge.by_topic(topic) if any(_same_thing(f.subject[0], t) for t in things)]
            facts = [f for f in facts if not asks_uncovered_aspect(f, text, self.settings)]
            if any(len(f.subject) > 1 and names_aspect(f, text) for f in facts) or (
                topic == last_topic and names_general_subject and any(len(f.subject) == 1 for f in facts)
            ):
                return GateDecision(
                    topic, confidence, self.similarity(topic, text), "subject carried from the conversation"
                )
        return GateDecision(None, reason="no follow-up on the same subject")

    def _only_topic_named(self, text: str, already: set[str]) -> Optional[GateDecision]:
        """NLU missed it, but the words name exactly one topic's subject and aspect, close to its examples."""
        named = {
            fact.topic
            for fact in self.knowledge.facts
            if fact.topic not in already
            and names_thing(fact, text)
            and names_aspect(fact, text)
            and not asks_uncovered_in_question(fact, text, self.settings)
        }
        if len(named) > 1 and self._one_article(named):
            # Two facts on the same article ("交了十一年能不能按月领": the minimum years and the shortfall) are
            # one answer in substance: the closer one is given.
            named = {max(sorted(named), key=lambda t: self.similarity(t, text, last_clause_too=True))}
        elif len(named) > 1:
            # A topic far closer to the question than the others is the one asked about; the others share
            # only a word or two of the story.
            closeness = sorted(((self.similarity(t, text, last_clause_too=True), t) for t in named), reverse=True)
            if closeness[0][0] - closeness[1][0] >= self.settings.min_similarity_lead_by_words:
                named = {closeness[0][1]}
        if len(named) != 1:
            return None
        topic = named.pop()
        similarity = self.similarity(topic, text, last_clause_too=True)
        if similarity < self.settings.min_similarity_by_words:
            return None
        return GateDecision(topic, 0.0, similarity, "only topic whose subject and aspect are named")

    def _one_article(self, topics: set[str]) -> bool:
        """Whether every topic's facts rest on one and the same article."""
        cited = [
            {(basis.title, basis.article) for fact in self.knowledge.by_topic(topic) for basis in fact.basis}
            for topic in topics
        ]
        return all(len(c) == 1 for c in cited) and len(set().union(*cited)) == 1

    def _check(self, facts, topic, text, confidence, margin, is_top, allow_without_aspect=True) -> GateDecision:
        settings = self.settings
        about = [fact for fact in facts if names_thing(fact, text)]
        if not about:
            return GateDecision(None, confidence, reason="subject not named")
        about = [fact for fact in about if not asks_uncovered_in_question(fact, text, settings)]
        if not about:
            return GateDecision(None, confidence, reason="asks an aspect the knowledge base does not cover")
        similarity = self.similarity(topic, text)
        if similarity >= settings.min_similarity:
            return GateDecision(topic, confidence, similarity, CLOSE_TO_EXAMPLE)
        if any(names_aspect(fact, text) for fact in about):
            if confidence >= settings.min_confidence_with_aspect:
                return GateDecision(topic, confidence, similarity, "subject and aspect named")
            return GateDecision(None, confidence, similarity, NOT_CONFIDENT)
        if (
            allow_without_aspect
            and is_top
            and confidence >= settings.min_confidence_without_aspect
            and margin >= settings.min_margin_without_aspect
            and similarity >= settings.min_similarity_without_aspect
        ):
            return GateDecision(topic, confidence, similarity, "subject named, NLU sure, close to an example")
        if (
            allow_without_aspect
            and is_top
            and confidence >= settings.min_confidence_by_nlu
            and margin >= settings.min_margin_by_nlu
        ):
            return GateDecision(topic, confidence, similarity, "subject named, NLU very sure")
        return GateDecision(None, confidence, similarity, "aspect not named")
