"""Compound parts from Voikko's WORDBASES strings: pure functions, no analyser needed.

Voikko describes a compound's structure as ``+kier(kiertää)+to(+to)+talous(talous)``: each
"+" starts a segment, written surface first, base form in parentheses; a base starting with
"+" is a derivational suffix. :func:`compound_parts` turns that into the base forms of the
compound's elements and inner sub-compounds (``kiertotalous`` -> ``kierto``, ``talous``).
"""
from __future__ import annotations

import re


def _segments(wordbases: str) -> list[tuple[str, str | None]]:
    """Voikko WORDBASES ``+kier(kiertää)+to(+to)+talous(talous)`` -> (surface, base) pairs;
    a "+" inside parentheses does not start a segment. A segment with letters after its base
    (``+matkail(matkata)i(+la)``: a derivation inside the segment) keeps all its letters
    (``matkaili``) and no base, so it is read as written."""
    segments: list[tuple[str, str | None]] = []
    depth, current = 0, ""
    for char in wordbases + "+":
        if char == "+" and depth == 0:
            if current:
                surface, _, rest = current.partition("(")
                base = rest.split(")", 1)[0] if rest else None
                outside = re.sub(r"\([^)]*\)", "", current)
                if outside != surface:
                    surface, base = outside, None
                segments.append((surface, base))
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    return segments


def _elements(wordbases: str) -> list[tuple[str, str | None, bool]]:
    """Compound elements of a WORDBASES string as (surface, base, derived); derivational
    suffixes (``+to(+to)``, ``+m``) are merged into the element they follow, "-" kept apart."""
    elements: list[tuple[str, str | None, bool]] = []
    for surface, base in _segments(wordbases):
        if surface == "-":
            elements.append(("-", None, False))
            continue
        starts_part = (base is not None and base != "" and not base.startswith("+")) or (
            base is None and len(surface) >= 3)
        if starts_part or not elements or elements[-1][0] == "-":
            elements.append((surface.lower(), base.replace("=", "").lower() if base else None, False))
        else:
            prev_surface, prev_base, _ = elements[-1]
            elements[-1] = (prev_surface + surface.lower(), prev_base, True)
    return elements


def compound_parts(baseform: str, wordbases: str) -> list[str]:
    """Base forms of a Voikko analysis' compound elements and inner sub-compounds (empty for
    a simple word). An element's base form: the last one's is the rest of the word's base
    form ("kiertotalouden" -> "talous"); a modifier's is its dictionary base unless it is
    derived ("valmi(valmis)+us" -> "valmius")."""
    elements = _elements(wordbases)
    words = [e for e in elements if e[0] != "-"]
    if len(words) < 2:
        return []
    surfaces: list[str] = []
    lemmas: list[str] = []
    prefix = ""
    lower_base = baseform.lower()
    for surface, base, derived in elements:
        if surface == "-":
            prefix += "-"
            continue
        if len(lemmas) == len(words) - 1:
            lemma = lower_base[len(prefix):] if lower_base.startswith(prefix) else (base or surface)
        elif surface.endswith("mis") and len(surface) > 5 and base != surface:
            # a -minen noun's compound form: "kehittämis(kehittää)+raha" -> "kehittäminen"
            lemma = surface[:-3] + "minen"
        else:
            lemma = surface if derived or not base else base
        surfaces.append(surface)
        lemmas.append(lemma)
        prefix += surface
    out = list(lemmas)
    for start in range(len(lemmas)):
        for end in range(start + 2, len(lemmas) + 1):
            if (start, end) != (0, len(lemmas)):
                out.append("".join(surfaces[start:end - 1]) + lemmas[end - 1])
    return out
