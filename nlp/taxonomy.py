"""Load and validate ``taxonomy.yaml`` (themes, flags, eligibility, geography, context rules).

Validation walks the YAML node tree so every error names the file line it comes from, e.g.
``taxonomy.yaml line 42: theme T9 term list 'fi' must be a list of strings``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

import yaml

DEFAULT_TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yaml")
LANGS = ("en", "fi", "sv")
TERM_LANG_KEYS = (*LANGS, "any")
THEME_TERM_GROUPS = {"defining_terms": "defining", "core_terms": "core", "terms": "normal", "weak_terms": "weak"}
SECTIONS = ("term_weights", "themes", "flags", "eligibility", "geography", "ignore", "context_rules")
_THEME_ID = re.compile(r"^T\d+$")
NUMBER_MARK = "#number"


class TaxonomyError(ValueError):
    """Raised with one line per problem found in the taxonomy file."""


@dataclass(frozen=True)
class TermEntry:
    """One term of one group, e.g. kind="theme", group="T4", term="talvitestaus", lang="fi"."""

    kind: str  # theme | flag | eligibility | geography | ignore
    group: str
    term: str
    lang: str  # en | fi | sv | any
    strength: str = "normal"  # defining | core | normal | weak


@dataclass(frozen=True)
class ContextRule:
    """Drop a match of ``term`` when a listed word stands right before or after it."""

    lang: str
    term: str
    not_preceded_by: tuple[str, ...] = ()
    not_followed_by: tuple[str, ...] = ()


@dataclass
class Taxonomy:
    """The validated taxonomy: labels, term entries, weights and context rules."""

    theme_labels: dict[str, dict[str, str]]
    flag_labels: dict[str, dict[str, str]]
    entries: list[TermEntry]
    term_weights: dict[str, float]
    rules: list[ContextRule] = field(default_factory=list)

    @property
    def theme_ids(self) -> list[str]:
        return list(self.theme_labels)

    def all_terms(self, lang: str) -> list[str]:
        """Every term usable in ``lang`` (its own list plus "any")."""
        return [e.term for e in self.entries if e.lang in (lang, "any")]


class _Parts(TypedDict):
    """What the section parsers collect into, before it becomes a :class:`Taxonomy`."""

    theme_labels: dict[str, dict[str, str]]
    flag_labels: dict[str, dict[str, str]]
    entries: list[TermEntry]


def _fail(errors: list[str], name: str, node: yaml.Node, message: str) -> None:
    errors.append(f"{name} line {node.start_mark.line + 1}: {message}")


def _mapping_items(node: yaml.Node) -> list[tuple[str, yaml.Node, yaml.Node]]:
    return [(str(key.value), key, value) for key, value in node.value]


def _string_list(errors: list[str], name: str, node: yaml.Node, what: str) -> list[str]:
    if not isinstance(node, yaml.SequenceNode) or not all(
        isinstance(item, yaml.ScalarNode) and item.tag.endswith(":str") and item.value.strip()
        for item in node.value
    ):
        _fail(errors, name, node, f"{what} must be a list of strings")
        return []
    return [item.value.strip() for item in node.value]


def _labels(errors: list[str], name: str, node: yaml.Node, owner: str, required: Iterable[str]) -> dict[str, str]:
    if not isinstance(node, yaml.MappingNode):
        _fail(errors, name, node, f"{owner} labels must be a mapping of language to text")
        return {}
    labels = {key: value.value for key, _, value in _mapping_items(node) if isinstance(value, yaml.ScalarNode)}
    for lang in required:
        if not labels.get(lang):
            _fail(errors, name, node, f"{owner} labels need a '{lang}' text")
    return labels


def _term_lists(errors: list[str], name: str, node: yaml.Node, owner: str, kind: str, group: str,
                strength: str) -> list[TermEntry]:
    if not isinstance(node, yaml.MappingNode):
        _fail(errors, name, node, f"{owner} terms must be a mapping of language to list")
        return []
    entries = []
    for lang, key_node, value in _mapping_items(node):
        if lang not in TERM_LANG_KEYS:
            _fail(errors, name, key_node, f"{owner} term language '{lang}' is not one of {', '.join(TERM_LANG_KEYS)}")
            continue
        for term in _string_list(errors, name, value, f"{owner} term list '{lang}'"):
            entries.append(TermEntry(kind, group, term, lang, strength))
    return entries


def _themes(errors: list[str], name: str, node: yaml.Node, taxonomy_parts: _Parts) -> None:
    labels_by_theme, entries = taxonomy_parts["theme_labels"], taxonomy_parts["entries"]
    for theme_id, key_node, body in _mapping_items(node):
        owner = f"theme {theme_id}"
        if not _THEME_ID.match(theme_id):
            _fail(errors, name, key_node, f"theme id '{theme_id}' must look like T1, T2, ...")
        if not isinstance(body, yaml.MappingNode):
            _fail(errors, name, body, f"{owner} must be a mapping with labels and term lists")
            continue
        fields = {key: (key_node2, value) for key, key_node2, value in _mapping_items(body)}
        for key, (field_node, _) in fields.items():
            if key != "labels" and key not in THEME_TERM_GROUPS:
                _fail(errors, name, field_node,
                      f"{owner} has unknown field '{key}' (use labels, {', '.join(THEME_TERM_GROUPS)})")
        if "labels" not in fields:
            _fail(errors, name, body, f"{owner} needs labels in en, fi and sv")
        else:
            labels_by_theme[theme_id] = _labels(errors, name, fields["labels"][1], owner, LANGS)
        if not any(group in fields for group in THEME_TERM_GROUPS):
            _fail(errors, name, body, f"{owner} needs at least one term list (terms or core_terms)")
        for group, strength in THEME_TERM_GROUPS.items():
            if group in fields:
                entries += _term_lists(errors, name, fields[group][1], owner, "theme", theme_id, strength)


def _named_groups(errors: list[str], name: str, node: yaml.Node, kind: str, taxonomy_parts: _Parts) -> None:
    for group_id, _, body in _mapping_items(node):
        owner = f"{kind} {group_id}"
        if not isinstance(body, yaml.MappingNode):
            _fail(errors, name, body, f"{owner} must be a mapping")
            continue
        fields = {key: value for key, _, value in _mapping_items(body)}
        if kind == "geography":  # geography entries are the term mapping itself
            taxonomy_parts["entries"] += _term_lists(errors, name, body, owner, kind, group_id, "normal")
            continue
        if "terms" not in fields:
            _fail(errors, name, body, f"{owner} needs a 'terms' mapping")
            continue
        if "labels" in fields and kind == "flag":
            taxonomy_parts["flag_labels"][group_id] = _labels(errors, name, fields["labels"], owner, ())
        taxonomy_parts["entries"] += _term_lists(errors, name, fields["terms"], owner, kind, group_id, "normal")


def _context_rules(errors: list[str], name: str, node: yaml.Node) -> list[ContextRule]:
    if not isinstance(node, yaml.SequenceNode):
        _fail(errors, name, node, "context_rules must be a list of rules")
        return []
    rules = []
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            _fail(errors, name, item, "a context rule must be a mapping with lang and term")
            continue
        fields = {key: value for key, _, value in _mapping_items(item)}
        lang, term = fields.get("lang"), fields.get("term")
        if lang is None or term is None or lang.value not in TERM_LANG_KEYS:
            _fail(errors, name, item, "a context rule needs 'lang' (en, fi, sv or any) and 'term'")
            continue
        before = (_string_list(errors, name, fields["not_preceded_by"], "not_preceded_by")
                  if "not_preceded_by" in fields else [])
        after = (_string_list(errors, name, fields["not_followed_by"], "not_followed_by")
                 if "not_followed_by" in fields else [])
        rules.append(ContextRule(lang.value, term.value, tuple(before), tuple(after)))
    return rules


def parse_taxonomy(text: str, name: str = "taxonomy.yaml") -> Taxonomy:
    """Validate YAML ``text`` and build a Taxonomy; raise TaxonomyError listing every problem."""
    errors: list[str] = []
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise TaxonomyError(f"{name}{line}: not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(root, yaml.MappingNode):
        raise TaxonomyError(f"{name} line 1: the taxonomy must be a mapping with a 'themes' section")
    parts: _Parts = {"theme_labels": {}, "flag_labels": {}, "entries": []}
    weights = {"defining": 3.0, "core": 1.6, "normal": 1.0, "weak": 0.4}
    rules: list[ContextRule] = []
    sections = {key: (key_node, value) for key, key_node, value in _mapping_items(root)}
    for key, (key_node, value) in sections.items():
        if key not in SECTIONS:
            _fail(errors, name, key_node, f"unknown section '{key}' (expected {', '.join(SECTIONS)})")
        elif key == "context_rules":
            rules = _context_rules(errors, name, value)
        elif not isinstance(value, yaml.MappingNode):
            _fail(errors, name, value, f"section '{key}' must be a mapping")
        elif key == "themes":
            _themes(errors, name, value, parts)
        elif key == "ignore":  # phrases that are never evidence: a mapping of language to list
            parts["entries"] += _term_lists(errors, name, value, "ignore", "ignore", "ignore", "normal")
        elif key == "term_weights":
            for weight_name, weight_key, weight in _mapping_items(value):
                try:
                    weights[weight_name] = float(weight.value)
                except (TypeError, ValueError):
                    _fail(errors, name, weight_key, f"term weight '{weight_name}' must be a number")
        else:
            _named_groups(errors, name, value, {"flags": "flag"}.get(key, key), parts)
    if "themes" not in sections:
        errors.append(f"{name} line 1: the taxonomy needs a 'themes' section")
    if errors:
        raise TaxonomyError("\n".join(errors))
    return Taxonomy(parts["theme_labels"], parts["flag_labels"], parts["entries"], weights, rules)


@lru_cache(maxsize=8)
def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and validate the taxonomy file (default: nlp/taxonomy.yaml next to this module)."""
    taxonomy_path = Path(path) if path else DEFAULT_TAXONOMY_PATH
    if not taxonomy_path.is_absolute() and not taxonomy_path.exists():
        taxonomy_path = Path(__file__).parent / taxonomy_path.name
    return parse_taxonomy(taxonomy_path.read_text(encoding="utf-8"), taxonomy_path.name)
