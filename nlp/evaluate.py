"""Measure the tagger against a labelled JSONL file: per-theme P/R/F1, macro-F1 overall and per
language, and the most frequent confusions (missed / spurious theme pairs)."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

THEMES = tuple(f"T{i}" for i in range(1, 9))


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
    """Macro-F1 over themes (a theme absent from gold and prediction counts as F1 = 1)."""
    per_theme = per_theme_scores(gold, predicted, themes)
    return round(sum(s["f1"] for s in per_theme.values()) / len(per_theme), 4)


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


def evaluate_records(labelled: list[dict[str, Any]], tagger: Tags) -> dict[str, Any]:
    """Tag ``labelled`` records (with gold "themes") and compute the report."""
    outputs = tagger.tag({"id": r.get("id"), "title": r.get("title"), "text": r.get("text"), "lang": r.get("lang")}
                         for r in labelled)
    gold = [set(r.get("themes") or []) for r in labelled]
    predicted = [{t["id"] for t in out["themes"]} for out in outputs]
    langs = [r.get("lang") or out["lang"] for r, out in zip(labelled, outputs, strict=False)]
    by_lang = {}
    for lang in sorted(set(langs)):
        idx = [i for i, value in enumerate(langs) if value == lang]
        by_lang[lang] = {"items": len(idx), "macro_f1": macro_f1([gold[i] for i in idx], [predicted[i] for i in idx])}
    errors = [{"id": r.get("id"), "gold": sorted(g), "predicted": sorted(p)}
              for r, g, p in zip(labelled, gold, predicted, strict=False) if g != p]
    return {"items": len(labelled), "macro_f1": macro_f1(gold, predicted), "per_language": by_lang,
            "per_theme": per_theme_scores(gold, predicted), "confusions": confusions(gold, predicted),
            "errors": errors}


def load_labels(path: str) -> list[dict[str, Any]]:
    """Read a labelled JSONL file (blank lines skipped)."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def format_report(report: dict[str, Any]) -> str:
    """Human-readable text of an evaluation report."""
    lines = [f"items: {report['items']}   macro-F1: {report['macro_f1']:.3f}", "",
             "per language:"]
    lines += [f"  {lang}: macro-F1 {v['macro_f1']:.3f} ({v['items']} items)"
              for lang, v in report["per_language"].items()]
    lines += ["", "theme  precision  recall  F1     support"]
    lines += [f"{t:<6} {s['precision']:<10.3f} {s['recall']:<7.3f} {s['f1']:<6.3f} {s['support']}"
              for t, s in report["per_theme"].items()]
    lines += ["", "most frequent confusions (missed -> spurious, '-' = none):"]
    lines += [f"  {c['missed']} -> {c['spurious']}: {c['count']}" for c in report["confusions"]]
    return "\n".join(lines)
