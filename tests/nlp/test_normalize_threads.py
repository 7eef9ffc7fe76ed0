"""Normalisation is called from several threads at once in `euradar run` (tagger and indexer):
shared analysers must not corrupt each other's words (a shared snowball stemmer did: an
IndexError killed the tagger thread in bench/bench_memory.py)."""

from __future__ import annotations

import threading

from euradar.nlp.normalize import word_forms


def test_word_keys_from_many_threads_equal_the_single_threaded_ones():
    words = [f"{stem}{suffix}{n}x" for n in range(300)
             for stem, suffix in (("testaus", "ten"), ("running", "s"), ("forskning", "ar"))]
    words = [w.rstrip("0123456789x") + "abcdefghij"[n % 10] * (1 + n % 4)
             for n, w in enumerate(words)]
    expected = {}
    errors: list[BaseException] = []
    langs = ("fi", "en", "sv")
    for w in words:
        for lang in langs:
            expected[(w, lang)] = word_forms.__wrapped__(w, lang)

    def work(lang: str) -> None:
        try:
            for _ in range(3):
                for w in words:
                    assert word_forms.__wrapped__(w, lang) == expected[(w, lang)]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(lang,)) for lang in langs * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
