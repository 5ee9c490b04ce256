"""Resident text as the rest of the core reads it: simplified characters, half-width digits and letters."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from .spelling import default_speller

# Zero-width and direction marks carry no meaning and split words.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Lone surrogates (undecodable bytes kept by a channel) cannot be encoded and mean nothing.
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
# Full-width ASCII letters, digits and the ideographic space; Chinese punctuation (，。？) stays.
_FULL_WIDTH_ALNUM = re.compile(r"[\u3000\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize_text(text: str | None) -> str:
    """Traditional → simplified (OpenCC), full-width → half-width letters and digits, sound-alike
    misspellings of the key words corrected (spelling.py), one space at most."""
    if not text:
        return ""
    value = _SURROGATES.sub("", _INVISIBLE.sub("", str(text)))
    value = _FULL_WIDTH_ALNUM.sub(lambda m: unicodedata.normalize("NFKC", m.group()), value)
    value = default_speller().correct(_to_simplified().convert(value))
    return _SPACES.sub(" ", value).strip()


# A few Chinese characters for a term the resident only knows in Chinese (医保, 社保, 公积金).
ENGLISH_MAX_CHINESE = 6
ENGLISH_LETTERS_PER_CHINESE = 8


def is_english(text: str) -> bool:
    """Mostly Latin letters: the resident wrote in English, perhaps with a Chinese term in it ("April's 医保 account")."""
    letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    chinese = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    if chinese == 0:
        return letters >= 3
    return chinese <= ENGLISH_MAX_CHINESE and letters >= ENGLISH_LETTERS_PER_CHINESE * chinese
