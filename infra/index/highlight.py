"""Highlight snippets for search hits, shared by every index backend (made in Python so both
backends mark the same words, whatever the query language matched).

Crawled text is hostile: the snippet is HTML-escaped and only our own ``<mark>`` tags are added.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def highlight(text: str, is_match: Callable[[str], bool] | None,
              width: int = 80, max_snippets: int = 3) -> list[str]:
    """Snippets of ``text`` around the words ``is_match`` accepts.

    Each distinct word is tested once; then one regular expression of the matching words
    finds their places, and the scan stops after the last snippet, so a long call text in
    which a common word occurs hundreds of times costs little.

    :returns: up to ``max_snippets`` HTML-safe snippets with matches wrapped in ``<mark>``
    """
    if not text or is_match is None:
        return []
    hits = sorted((w for w in set(_WORD.findall(text)) if is_match(w)), key=len, reverse=True)
    if not hits:
        return []
    found = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, hits)) + r")(?![^\W_])")
    matches = found.finditer(text)
    match = next(matches, None)
    snippets: list[str] = []
    while match is not None and len(snippets) < max_snippets:
        lo, hi = max(0, match.start() - width // 2), min(len(text), match.start() + width)
        out, pos = [], lo
        while match is not None and match.start() < hi:
            s, e = match.span()
            if e <= hi:
                out.append(html.escape(text[pos:s]))
                out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
                pos = e
            match = next(matches, None)
        out.append(html.escape(text[pos:hi]))
        snippet = " ".join("".join(out).split())
        snippets.append(("…" if lo > 0 else "") + snippet + ("…" if hi < len(text) else ""))
    return snippets
