"""Sound-alike misspellings of the domain's key words (医宝 → 医保, 深镇 → 深圳, 几浩 → 几号).

Residents type with pinyin input methods, so a wrong character usually sounds like the right one. A span is
corrected to a key word (knowledge/spelling.yml) only when
- it differs from the word in one character, and that character can be read like the word's (toneless pinyin,
  any of its readings, zh/z, ch/c, sh/s, l/n and -ng/-n taken as alike);
- it is not itself a common word (jieba's dictionary: 一包, 记号, 工商 stay), and
- it is whole words of the sentence, not part of one (以保证 is 以 + 保证: not 医保).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .knowledge_base import DEFAULT_KNOWLEDGE_DIR, KnowledgeBaseError

SPELLING_FILE = "spelling.yml"
WILDCARD = "\0"


@lru_cache(maxsize=4096)
def readings(char: str) -> frozenset[str]:
    """Every toneless pinyin reading of a Chinese character; none for anything else."""
    from pypinyin import Style, pinyin

    if not "\u4e00" <= char <= "\u9fff":
        return frozenset()
    return frozenset(pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")[0] if char else ())


def _blurred(reading: str) -> str:
    """A reading as many speakers pronounce it: zh/ch/sh as z/c/s, l as n, -ing/-eng/-ang as -in/-en/-an
    (养老经 for 养老金, 深证 for 深圳)."""
    for hard, soft in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if reading.startswith(hard):
            reading = soft + reading[2:]
            break
    if reading.startswith("l"):
        reading = "n" + reading[1:]
    for hard, soft in (("ing", "in"), ("eng", "en"), ("ang", "an")):
        if reading.endswith(hard):
            return reading[: -len(hard)] + soft
    return reading


@lru_cache(maxsize=4096)
def sounds(char: str) -> frozenset[str]:
    """The character's usual reading, blurred as in _blurred (its rarer readings only count exactly: 单 read
    shan is not 伤)."""
    from pypinyin import Style, pinyin

    if not readings(char):
        return frozenset()
    return frozenset({_blurred(pinyin(char, style=Style.NORMAL, errors="ignore")[0][0])})


def alike(typed: str, meant: str) -> bool:
    return bool(readings(typed) & readings(meant) or sounds(typed) & sounds(meant))


@dataclass(frozen=True)
class SpellingSettings:
    words: tuple[str, ...]
    min_word_frequency: int
    # Real words jieba counts rarely (存着 sounds like 存折): never corrected.
    keep: frozenset[str] = frozenset()
    # Misspellings that do not sound like their word (存拆: a look-alike) or are words elsewhere (工商认定 is
    # always 工伤认定): replaced as typed, before the sound-alike correction.
    replace: tuple[tuple[str, str], ...] = ()


def load_spelling_settings(directory: Path | str = DEFAULT_KNOWLEDGE_DIR) -> SpellingSettings:
    path = Path(directory) / SPELLING_FILE
    if not path.exists():
        return SpellingSettings((), 20)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        words = tuple(str(w) for w in raw.get("words") or ())
        frequency = int(raw.get("min_word_frequency", 20))
        keep = frozenset(str(w) for w in raw.get("keep") or ())
        replace = tuple((str(typed), str(meant)) for typed, meant in (raw.get("replace") or {}).items())
    except (OSError, yaml.YAMLError, TypeError, ValueError, AttributeError) as error:
        raise KnowledgeBaseError(SPELLING_FILE, "-", f"bad spelling settings: {error}") from error
    for word in words:
        if not 2 <= len(word) <= 4 or not all(readings(ch) for ch in word):
            raise KnowledgeBaseError(SPELLING_FILE, word, "a key word is 2 to 4 Chinese characters")
    for typed, meant in replace:
        if len(typed) < 2 or not meant or typed == meant:
            raise KnowledgeBaseError(
                SPELLING_FILE, typed, "a replacement needs a misspelling of 2 or more characters and its word"
            )
    # Longest misspellings first, so that a longer one claims its characters.
    replace = tuple(sorted(replace, key=lambda pair: -len(pair[0])))
    return SpellingSettings(words, frequency, keep, replace)


class Speller:
    def __init__(self, settings: SpellingSettings) -> None:
        self.settings = settings
        # The word with one character replaced by a wildcard → (word, position of that character).
        self._patterns: dict[str, list[tuple[str, int]]] = {}
        for word in settings.words:
            for position in range(len(word)):
                key = word[:position] + WILDCARD + word[position + 1 :]
                self._patterns.setdefault(key, []).append((word, position))
        self._lengths = sorted({len(w) for w in settings.words}, reverse=True)
        self._tokenizer = None

    def _candidates(self, text: str) -> list[tuple[int, str]]:
        found = []
        for length in self._lengths:
            for start in range(len(text) - length + 1):
                span = text[start : start + length]
                for position in range(length):
                    key = span[:position] + WILDCARD + span[position + 1 :]
                    for word, at in self._patterns.get(key, ()):
                        if span != word and alike(span[at], word[at]):
                            found.append((start, word))
        return found

    def _segmenter(self):
        """jieba over its common words only (those it knows at least `min_word_frequency` times), loaded on
        the first misspelling: the full dictionary would cost far more memory and the rare words are what
        misspellings look like."""
        if self._tokenizer is None:
            import jieba

            lines = []
            with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as source:
                for line in source:
                    parts = line.split()
                    if len(parts) >= 2 and (len(parts[0]) == 1 or int(parts[1]) >= self.settings.min_word_frequency):
                        lines.append(f"{parts[0]} {parts[1]}")
            tokenizer = jieba.Tokenizer()
            tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(io.BytesIO("\n".join(lines).encode("utf-8")))
            tokenizer.initialized = True
            self._tokenizer = tokenizer
        return self._tokenizer

    def correct(self, text: str) -> str:
        for typed, meant in self.settings.replace:
            if typed in text:
                text = text.replace(typed, meant)
        candidates = self._candidates(text)
        if not candidates:
            return text
        tokenizer = self._segmenter()
        boundaries, offset = {0}, 0
        for token in tokenizer.cut(text, HMM=False):
            offset += len(token)
            boundaries.add(offset)
        chars, taken = list(text), set()
        for start, word in candidates:  # longest words first
            end = start + len(word)
            span = text[start:end]
            if (
                start in boundaries
                and end in boundaries
                and tokenizer.FREQ.get(span, 0) < self.settings.min_word_frequency
                and span not in self.settings.keep
                and not taken & set(range(start, end))
            ):
                chars[start:end] = list(word)
                taken.update(range(start, end))
        return "".join(chars)


@lru_cache(maxsize=1)
def default_speller() -> Speller:
    return Speller(load_spelling_settings())
