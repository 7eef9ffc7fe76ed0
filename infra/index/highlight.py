"""Highlight snippets for search hits, shared by every index backend that cannot do it natively.

Crawled text is hostile: the snippet is HTML-escaped and only our own ``<mark>`` tags are added.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_WORD = re.compile(r"\w+", re.UNICODE)


def highlight(text: str, wanted: set[str], normalize: Callable[[str], str],
              width: int = 80, max_snippets: int = 3) -> list[str]:
    """Snippets of ``text`` around words whose normalized form is in ``wanted``.

    :param wanted: normalized query tokens
    :param normalize: the same normalizer the index uses, applied to one word
    :returns: up to ``max_snippets`` HTML-safe snippets with matches wrapped in ``<mark>``
    """
    if not text or not wanted:
        return []
    spans = [m.span() for m in _WORD.finditer(text) if set(normalize(m.group()).split()) & wanted]
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
