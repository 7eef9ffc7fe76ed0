"""A per-word LRU cache that leaves out words with digits.

The analyses of ordinary words repeat from text to text, so caching them pays; a word with a
digit in it is nearly always a call id, a reference or a number that one item alone carries
("HORIZON-CL5-2027-D000123", "R1234567"). In a long-running role those would fill every cache to
its bound (hundreds of MB at 300,000 entries per cache) without one hit; they are analysed
afresh instead (cheap: they are short and mostly unknown to the dictionaries).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Generic, TypeVar

T = TypeVar("T")
_DIGIT = re.compile(r"\d").search


class WordCache(Generic[T]):
    """``fn(word, lang)`` cached per (word, lang) unless ``word`` holds a digit."""

    def __init__(self, fn: Callable[[str, str], T], maxsize: int):
        self._fn = fn
        self._cached = lru_cache(maxsize=maxsize)(fn)
        self.__doc__ = fn.__doc__
        self.__name__ = getattr(fn, "__name__", "word_cache")
        self.__wrapped__ = fn

    def __call__(self, word: str, lang: str) -> T:
        # isalpha() first: it is the common case and cheaper than the regular expression.
        if not word.isalpha() and _DIGIT(word):
            return self._fn(word, lang)
        return self._cached(word, lang)

    def cache_clear(self) -> None:
        self._cached.cache_clear()

    def cache_size(self) -> int:
        return self._cached.cache_info().currsize


def word_cache(maxsize: int) -> Callable[[Callable[[str, str], T]], WordCache[T]]:
    def decorate(fn: Callable[[str, str], T]) -> WordCache[T]:
        return WordCache(fn, maxsize)
    return decorate
