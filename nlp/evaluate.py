"""Measure the tagger against a labelled JSONL file: per-theme P/R/F1, macro-F1 overall and per
language, the most frequent confusions (missed / spurious theme pairs), and a held-out figure.

Honest measurement (see the labels' README): a figure on lines the term lists and constants were
tuned against says little about new texts. Lines are split into ``k`` folds by a hash of their
``id`` (stable across runs and machines, independent of line order); the term lists and scoring
constants were developed looking only at folds 0-2, so folds 3 and 4 (``HELD_OUT_FOLDS``) are
the held-out estimate, reported beside the whole-file figure. Per-fold figures show the spread.

A theme with no labelled example in a slice carries no evidence either way: it is left out of
that slice's macro average (not counted as a perfect 1.0).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

THEMES = tuple(f"T{i}" for i in range(1, 9))
FOLDS = 5
HELD_OUT_FOLDS = (3, 4)  # never looked at while writing term lists or setting constants


class Tags(Protocol):
    """What the evaluation needs of a tagger (:class:`euradar.nlp.tagger.Tagger` has it)."""

    def tag(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]: ...


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "support": tp + fn, "tp": tp, "fp": fp, "fn": fn}


def macro_f1(gold: list[set[str]], predicted: list[set[str]], themes: Iterable[str] = THEMES) -> float:
    """Macro-F1 over the themes that have at least one labelled example in ``gold``; a theme
    with none is left out (0.0 when no theme has any)."""
    per_theme = per_theme_scores(gold, predicted, themes)
    present = [s["f1"] for s in per_theme.values() if s["support"]]
    return round(sum(present) / len(present), 4) if present else 0.0


def fold_of(item_id: object, folds: int = FOLDS) -> int:
    """The fold of a labelled line: a stable hash of its id (not its position in the file)."""
    return int(hashlib.sha1(str(item_id).encode("utf-8")).hexdigest(), 16) % folds


def per_theme_scores(gold: list[set[str]], predicted: list[set[str]],
                     themes: Iterable[str] = THEMES) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and counts per theme."""
    result = {}
    for theme in themes:
        tp = sum(1 for g, p in zip(gold, predicted, strict=False) if theme in g and theme in p)
        fp = sum(1 for g, p in zip(gold, predicted, strict=False) if theme not in g and theme in p)
        fn = sum(1 for g, p in zip(gold, predicted, strict=False) if theme in g and theme not in p)
        result[theme] = _prf(tp, fp, fn)
    return result


def confusions(gold: list[set[str]], predicted: list[set[str]], top: int = 10) -> list[dict[str, str | int]]:
    """Most frequent (missed theme, spurious theme) pairs within the same items; "-" = none."""
    pairs: Counter[tuple[str, str]] = Counter()
    for g, p in zip(gold, predicted, strict=False):
        missed, spurious = sorted(g - p) or ["-"], sorted(p - g) or ["-"]
        if g != p:
            pairs.update((m, s) for m in missed for s in spurious)
    return [{"missed": m, "spurious": s, "count": c} for (m, s), c in pairs.most_common(top)]


def _slice(gold: list[set[str]], predicted: list[set[str]], langs: list[str], idx: list[int]) -> dict[str, Any]:
    """Macro-F1 of the lines ``idx``, overall and per language."""
    by_lang = {}
    for lang in sorted({langs[i] for i in idx}):
        in_lang = [i for i in idx if langs[i] == lang]
        by_lang[lang] = {"items": len(in_lang),
                         "macro_f1": macro_f1([gold[i] for i in in_lang], [predicted[i] for i in in_lang])}
    return {"items": len(idx), "macro_f1": macro_f1([gold[i] for i in idx], [predicted[i] for i in idx]),
            "per_language": by_lang}


def evaluate_records(labelled: list[dict[str, Any]], tagger: Tags, folds: int = FOLDS,
                     held_out: Iterable[int] = HELD_OUT_FOLDS) -> dict[str, Any]:
    """Tag ``labelled`` records (with gold "themes") and compute the report: the whole file,
    each of ``folds`` folds by id, and the held-out folds pooled."""
    outputs = tagger.tag({"id": r.get("id"), "title": r.get("title"), "text": r.get("text"), "lang": r.get("lang")}
                         for r in labelled)
    gold = [set(r.get("themes") or []) for r in labelled]
    predicted = [{t["id"] for t in out["themes"]} for out in outputs]
    langs = [r.get("lang") or out["lang"] for r, out in zip(labelled, outputs, strict=False)]
    whole = _slice(gold, predicted, langs, list(range(len(labelled))))
    fold_ids = [fold_of(r.get("id"), folds) for r in labelled]
    per_fold = [{"fold": f, **_slice(gold, predicted, langs, [i for i, x in enumerate(fold_ids) if x == f])}
                for f in range(folds)]
    held = sorted(set(held_out))
    held_slice = _slice(gold, predicted, langs, [i for i, x in enumerate(fold_ids) if x in held])
    errors = [{"id": r.get("id"), "gold": sorted(g), "predicted": sorted(p)}
              for r, g, p in zip(labelled, gold, predicted, strict=False) if g != p]
    scored_folds = [f["macro_f1"] for f in per_fold if f["items"]]
    return {**whole, "per_theme": per_theme_scores(gold, predicted), "confusions": confusions(gold, predicted),
            "errors": errors, "folds": per_fold,
            "fold_mean": round(sum(scored_folds) / len(scored_folds), 4) if scored_folds else 0.0,
            "held_out": {"folds": held, **held_slice}}


def load_labels(path: str) -> list[dict[str, Any]]:
    """Read a labelled JSONL file (blank lines skipped)."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def format_report(report: dict[str, Any]) -> str:
    """Human-readable text of an evaluation report."""
    held = report["held_out"]
    langs = sorted(set(report["per_language"]) | set(held["per_language"]))

    def cell(part: dict[str, Any], lang: str) -> str:
        value = part["per_language"].get(lang)
        return f"{value['macro_f1']:.3f} ({value['items']})" if value else "-"

    lines = [f"items: {report['items']}   macro-F1 whole file: {report['macro_f1']:.3f}   "
             f"held-out (folds {', '.join(map(str, held['folds']))} of {len(report['folds'])} by id, "
             f"{held['items']} items): {held['macro_f1']:.3f}", "",
             "macro-F1 per language   whole file      held-out"]
    lines += [f"  {lang:<21} {cell(report, lang):<15} {cell(held, lang)}" for lang in langs]
    lines += ["", "per fold (by id): " + "  ".join(f"{f['fold']}: {f['macro_f1']:.3f} ({f['items']})"
                                                 for f in report["folds"]) + f"   mean {report['fold_mean']:.3f}",
              "(themes without a labelled example in a slice are left out of its macro average)"]
    lines += ["", "theme  precision  recall  F1     support"]
    lines += [f"{t:<6} {s['precision']:<10.3f} {s['recall']:<7.3f} {s['f1']:<6.3f} {s['support']}"
              for t, s in report["per_theme"].items()]
    lines += ["", "most frequent confusions (missed -> spurious, '-' = none):"]
    lines += [f"  {c['missed']} -> {c['spurious']}: {c['count']}" for c in report["confusions"]]
    return "\n".join(lines)
