"""The one query language of euradar: the search box, the API, the CLI and subscription
keywords all parse their text here, into the same tree. Pure: no NLP, no backend.

Grammar (operators are UPPERCASE; lowercase ``and``/``or``/``not`` are ordinary words)::

    query   := or?
    or      := and ("OR" and)*
    and     := unary (["AND"] unary)*          # juxtaposition is AND
    unary   := ("NOT" | "-") unary | atom      # "-offshore" is "NOT offshore"
    atom    := "(" or ")" | '"' words '"' | field ":" value | prefix "*" | word

* ``hydrogen``: a word. How it matches is the normaliser's business: each backend asks
  :func:`euradar.nlp.normalize.query_word_forms` for the index tokens it may stand for.
* ``"wind power"``: a phrase, its words adjacent and in order. A bare token that holds several
  words (``e-mobility``, ``HORIZON-CL6-2026-01``) is a phrase too.
* ``vet*``: a prefix of at least two letters or digits, matched against the item's words as
  written (lower-cased), not against normalised tokens: ``energy*`` finds "energy" and
  "energy-efficient" although the English stem of "energy" is "energi".
* ``theme:T3``, ``programme:HORIZON``, ``status:open``, ``kind:call``, ``lang:fi``,
  ``source:ft_grants``, ``eligibility:smes``, ``id:ft:HORIZON-CL6-2026-01-CIRCBIO-07``: field
  filters (case-insensitive; a quoted value may hold spaces: ``programme:"Interreg Aurora"``).
  A near miss such as ``programm:`` is an error; other colons (``ft:HORIZON-...``) are text.

NOT binds tightest, then AND, then OR: ``a OR b c`` is ``a OR (b AND c)``. A query of
punctuation only is empty (it matches everything). Mistakes raise :class:`QuerySyntaxError`
with the character position, so every entry point can say what is wrong and where.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from euradar.core.errors import EuradarError

# Words are runs of letters and digits, as in euradar.nlp.normalize (the normaliser splits text
# the same way, so a word of a query is a word of the index).
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TERMS = 64
MAX_DEPTH = 24
MIN_PREFIX = 2

# Field filters: accepted names -> canonical name.
FIELD_ALIASES = {
    "theme": "theme", "themes": "theme", "programme": "programme", "program": "programme",
    "status": "status", "kind": "kind", "type": "kind", "lang": "lang", "language": "lang",
    "source": "source", "eligibility": "eligibility", "eligible": "eligibility", "id": "id",
}
FIELDS = ("theme", "programme", "status", "kind", "lang", "source", "eligibility", "id")
_FIELD_VALUES = {
    "status": ("forthcoming", "open", "closed"),
    "kind": ("call", "tender", "news"),
    "lang": ("en", "fi", "sv"),
}
_THEME_VALUE = re.compile(r"^t\d{1,3}$")
_FIELD_TOKEN = re.compile(r"^([A-Za-z]+):(.*)$", re.DOTALL)


class QuerySyntaxError(EuradarError, ValueError):
    """A query that cannot be parsed; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int, query: str):
        self.message = message
        self.position = max(0, min(position, len(query)))
        self.query = query
        super().__init__(f"{message} (at character {self.position + 1})")

    def caret(self) -> str:
        """The query with a caret under the problem, for terminals and <pre> blocks."""
        line = self.query.replace("\n", " ")
        return f"{line}\n{' ' * self.position}^"


# -- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    word: str          # one word as written
    source: str        # the token as the user wrote it
    position: int


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]  # as written, in order
    source: str
    position: int


@dataclass(frozen=True)
class Prefix:
    prefix: str        # lower-cased letters/digits before the *
    source: str
    position: int


@dataclass(frozen=True)
class Field:
    name: str          # canonical name, one of FIELDS
    value: str         # canonical value (see field_tag)
    source: str
    position: int


@dataclass(frozen=True)
class And:
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    arg: Node


Leaf = Word | Phrase | Prefix | Field
Node = Word | Phrase | Prefix | Field | And | Or | Not


# -- lexing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str          # ( ) AND OR NOT - leaf
    position: int
    leaf: Leaf | None = None
    text: str = ""


def _is_word_char(ch: str) -> bool:
    return bool(WORD_RE.match(ch))


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The text between the quote at ``start`` and the next quote; returns (inner, end)."""
    end = text.find('"', start + 1)
    if end < 0:
        raise QuerySyntaxError('the quote " is never closed', start, text)
    return text[start + 1:end], end + 1


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok(ch, i))
            i += 1
        elif ch == "-" and i + 1 < n and (text[i + 1] in '("' or _is_word_char(text[i + 1])) \
                and (i == 0 or text[i - 1].isspace() or text[i - 1] == "("):
            toks.append(_Tok("-", i))
            i += 1
        elif ch == '"':
            inner, end = _read_quoted(text, i)
            leaf = _text_leaf(inner, text[i:end], i)
            if leaf is not None:
                toks.append(_Tok("leaf", i, leaf))
            i = end
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"':
                j += 1
            raw = text[i:j]
            if raw in ("AND", "OR", "NOT"):
                toks.append(_Tok(raw, i, text=raw))
                i = j
                continue
            field = _FIELD_TOKEN.match(raw)
            if field and _is_field_name(field.group(1), raw, i, text):
                value, j = field.group(2), j
                if value == "" and j < n and text[j] == '"':
                    value, j = _read_quoted(text, j)
                toks.append(_Tok("leaf", i, _field_leaf(field.group(1), value, text[i:j], i, text)))
                i = j
                continue
            bare = _bare_leaf(raw, i, text)
            if bare is not None:
                toks.append(_Tok("leaf", i, bare))
            i = j
    return toks


def _is_field_name(name: str, raw: str, position: int, text: str) -> bool:
    """A known field name; a near miss (``programm:``) is an error that names the field;
    anything else (``ft:HORIZON-...``, ``https://...``) is ordinary text."""
    if name.lower() in FIELD_ALIASES:
        return True
    close = difflib.get_close_matches(name.lower(), FIELD_ALIASES, n=1, cutoff=0.75)
    if close:
        raise QuerySyntaxError(f"unknown field {name + ':'!r}; did you mean "
                               f"{FIELD_ALIASES[close[0]]}:? Fields are "
                               + ", ".join(f + ":" for f in FIELDS), position, text)
    return False


def _text_leaf(inner: str, source: str, position: int) -> Word | Phrase | None:
    words = tuple(WORD_RE.findall(inner))
    if not words:
        return None  # punctuation only: nothing to search for
    if len(words) == 1:
        return Word(words[0], source, position)
    return Phrase(words, source, position)


def _bare_leaf(raw: str, position: int, text: str) -> Leaf | None:
    if "*" in raw:
        stem = raw[:-1] if raw.endswith("*") else ""
        if not raw.endswith("*") or "*" in stem:
            raise QuerySyntaxError("* may only end a word, as in vet*", position + raw.index("*"),
                                   text)
        if not WORD_RE.fullmatch(stem) or len(stem) < MIN_PREFIX:
            raise QuerySyntaxError(f"a prefix needs at least {MIN_PREFIX} letters or digits "
                                   "before the *, as in vet*", position, text)
        return Prefix(stem.lower(), raw, position)
    return _text_leaf(raw, raw, position)


def _field_leaf(name: str, value: str, source: str, position: int, text: str) -> Field:
    canonical = FIELD_ALIASES[name.lower()]
    value = value.strip()
    if not value:
        raise QuerySyntaxError(f"{name}: needs a value, as in {canonical}:"
                               f"{_example(canonical)}", position, text)
    value = value.lower()
    allowed = _FIELD_VALUES.get(canonical)
    if allowed and value not in allowed:
        raise QuerySyntaxError(f"{canonical}: must be one of {', '.join(allowed)}", position, text)
    if canonical == "theme" and not _THEME_VALUE.match(value):
        raise QuerySyntaxError("theme: must be a theme id like T3", position, text)
    return Field(canonical, value, source, position)


def _example(field: str) -> str:
    return {"theme": "T3", "programme": "HORIZON", "status": "open", "kind": "call",
            "lang": "fi", "source": "ft_grants", "eligibility": "smes"}.get(field, "...")


# -- parsing --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, toks: list[_Tok]):
        self.text, self.toks, self.pos, self.depth = text, toks, 0, 0

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        self.pos += 1
        return self.toks[self.pos - 1]

    def fail(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, position, self.text)

    def parse_or(self) -> Node:
        args = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            self.expect_operand(tok)
            args.append(self.parse_and())
        return args[0] if len(args) == 1 else Or(tuple(args))

    def parse_and(self) -> Node:
        args = [self.parse_unary()]
        while (tok := self.peek()) is not None and tok.kind not in (")", "OR"):
            if tok.kind == "AND":
                self.take()
                self.expect_operand(tok)
            args.append(self.parse_unary())
        return args[0] if len(args) == 1 else And(tuple(args))

    def expect_operand(self, op: _Tok) -> None:
        nxt = self.peek()
        if nxt is None:
            raise self.fail(f"nothing after {op.kind}: add a word or remove the {op.kind}",
                            op.position)
        if nxt.kind in ("AND", "OR", ")"):
            raise self.fail(f"{op.kind} must be followed by a word, a phrase or (", nxt.position)

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind in ("NOT", "-"):
            self.take()
            self.expect_operand(tok if tok.kind == "NOT" else _Tok("NOT", tok.position))
            return Not(self.parse_unary())
        return self.parse_atom()

    def parse_atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.fail("the query ends where a word was expected", len(self.text))
        if tok.kind in ("AND", "OR"):
            raise self.fail(f"{tok.kind} needs a word on its left", tok.position)
        if tok.kind == ")":
            raise self.fail("this ) has no matching (", tok.position)
        self.take()
        if tok.kind == "(":
            if (nxt := self.peek()) is not None and nxt.kind == ")":
                raise self.fail("empty parentheses", tok.position)
            if nxt is None:
                raise self.fail("this ( is never closed", tok.position)
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"parentheses nested more than {MAX_DEPTH} deep", tok.position)
            inner = self.parse_or()
            self.depth -= 1
            if (close := self.peek()) is None or close.kind != ")":
                raise self.fail("this ( is never closed", tok.position)
            self.take()
            return inner
        assert tok.leaf is not None
        return tok.leaf


@lru_cache(maxsize=2048)
def parse_query(text: str) -> Node | None:
    """Parse ``text`` into a tree; None when it holds nothing to search for (match all).

    Raises :class:`QuerySyntaxError` naming the problem and its position.
    """
    text = text or ""
    toks = _lex(text)
    if not toks:
        return None
    parser = _Parser(text, toks)
    node = parser.parse_or()
    if (tok := parser.peek()) is not None:
        raise parser.fail("this ) has no matching (" if tok.kind == ")" else
                          f"unexpected {tok.kind}", tok.position)
    count = sum(1 for _ in leaves(node))
    if count > MAX_TERMS:
        raise QuerySyntaxError(f"too many terms ({count}); at most {MAX_TERMS}", 0, text)
    return _flatten(node)


def _flatten(node: Node) -> Node:
    """(a AND b) AND c -> AND(a, b, c); keeps translations shallow."""
    if isinstance(node, (And, Or)):
        cls = type(node)
        args: list[Node] = []
        for arg in node.args:
            arg = _flatten(arg)
            args.extend(arg.args if isinstance(arg, cls) else (arg,))
        return cls(tuple(args))
    if isinstance(node, Not):
        return Not(_flatten(node.arg))
    return node


# -- walking --------------------------------------------------------------------------------


def leaves(node: Node | None) -> Iterator[Leaf]:
    """Every leaf of the tree, negated ones included, left to right."""
    if node is None:
        return
    if isinstance(node, (And, Or)):
        for arg in node.args:
            yield from leaves(arg)
    elif isinstance(node, Not):
        yield from leaves(node.arg)
    else:
        yield node
