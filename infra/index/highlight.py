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

    Each distinct word is tested once, and the text is scanned only for the words that
    matched, so a long call text costs little.

    :returns: up to ``max_snippets`` HTML-safe snippets with matches wrapped in ``<mark>``
    """
    if not text or is_match is None:
        return []
    hits = {w for w in set(_WORD.findall(text)) if is_match(w)}
    if not hits:
        return []
    spans = [m.span() for m in _WORD.finditer(text) if m.group() in hits]
    snippets: list[str] = []
    used_until = -1
    for start, _ in spans:
        if start < used_until:
            continue
        lo, hi = max(0, start - width // 2), min(len(text), start + width)
        inside = [(s, e) for s, e in spans if s >= lo and e <= hi]
        out, pos = [], lo
        for s, e in inside:
            out.append(html.escape(text[pos:s]))
            out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
            pos = e
        out.append(html.escape(text[pos:hi]))
        snippet = " ".join("".join(out).split())
        snippets.append(("…" if lo > 0 else "") + snippet + ("…" if hi < len(text) else ""))
        used_until = hi
        if len(snippets) >= max_snippets:
            break
    return snippets
