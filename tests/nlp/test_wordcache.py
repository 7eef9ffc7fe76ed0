"""Per-word caches keep ordinary words and leave out ids and numbers, so a long-running role's
caches stop growing once the language's words are in, whatever ids the stream carries."""

from __future__ import annotations

from euradar.nlp.morphology import analyse
from euradar.nlp.normalize import index_tokens, word_forms
from euradar.nlp.wordcache import word_cache


def test_words_with_digits_are_computed_but_not_kept():
    calls: list[str] = []

    @word_cache(maxsize=100)
    def upper(word: str, lang: str) -> str:
        calls.append(word)
        return word.upper()

    assert [upper(w, "en") for w in ("vety", "vety", "D000123", "D000123", "co-op", "co-op")] == \
        ["VETY", "VETY", "D000123", "D000123", "CO-OP", "CO-OP"]
    assert calls == ["vety", "D000123", "D000123", "co-op"]
    assert upper.cache_size() == 2


def test_a_stream_of_new_call_ids_leaves_the_analysis_caches_as_they_were():
    text = "Kestävän vetytalouden kehittäminen Lapissa, haku {n}: HORIZON-CL5-2027-D{n:06d}, viite R{n:07d}."
    index_tokens(text.format(n=0), "fi")  # the ordinary words are cached once
    sizes = analyse.cache_size(), word_forms.cache_size()
    for n in range(1, 200):
        tokens = index_tokens(text.format(n=n), "fi")
        assert "vety" in tokens and f"r{n:07d}" in tokens
    assert (analyse.cache_size(), word_forms.cache_size()) == sizes
