"""Development measurement of the theme tagger without touching the held-out folds.

``python tools/inner_eval.py LABELS.jsonl`` tags only the lines of the development folds (0-2 by
id, see ``euradar.nlp.evaluate``) and prints macro-F1 per fold and per language, per-theme
precision/recall, and precision/recall split by text length, so that a change to the scoring or
the term lists can be judged before the held-out folds are scored. ``--dump FILE`` writes, for the
development folds only, each line's gold and predicted themes, every theme's score and its
evidence terms (for reading which kinds of language are missed; no text is copied).

``--set name=value`` (repeatable) changes a scoring constant of nlp/config.cfg for this run;
``--variant "name=value name=value"`` (repeatable) re-scores the same analysed documents once per
variant and prints the development-fold figures of each (a quick way to compare constants on
folds 0-2).

``--dropout`` also scores each development fold without the theme terms whose only matches in
folds 0-2 are in that fold's own lines: an estimate of how the term lists do on texts nobody
tuned them to (a term added for a line of fold k is missing when fold k is scored). It is
pessimistic, since a general term that happens to occur in one fold only is dropped too; on
the taxonomy of 2 December 2026 (before branch issue-11d) it gave English 0.737 where the
held-out folds gave 0.697. ``--dropout-from FILE``
limits the dropped terms to those of an earlier taxonomy (for example the one before an addition
of vocabulary written from programme knowledge rather than from the lines), so that the addition
is judged as it would meet new texts.

``--checkpoint`` tags the whole file and prints only aggregate figures (whole file, held-out
folds, per fold, per language): the held-out lines are never listed. With it, ``--bootstrap N``
also prints a 90% interval for each held-out figure from N resamples of the held-out lines: with
68 English lines, a theme with one example moves the English macro average by an eighth, and the
interval says how far the figure can be trusted.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from typing import Any

from euradar.nlp import get_tagger
from euradar.nlp.evaluate import FOLDS, HELD_OUT_FOLDS, fold_of, load_labels, macro_f1, per_theme_scores
from euradar.nlp.taxonomy import load_taxonomy

DEV_FOLDS = tuple(f for f in range(FOLDS) if f not in HELD_OUT_FOLDS)
LENGTH_BANDS = ((0, 150), (150, 400), (400, 10**9))


def _scorer() -> Any:
    return get_tagger().nlp.get_pipe("euradar_theme_scorer")


def _set(assignments: list[str]) -> None:
    scorer = _scorer()
    changes: dict[str, Any] = {}
    for assignment in assignments:
        name, value = assignment.split("=", 1)
        kind = type(getattr(scorer.settings, name))
        changes[name] = kind(value)
    scorer.settings = dataclasses.replace(scorer.settings, **changes)


def _docs(records: list[dict[str, Any]]) -> list[Any]:
    return list(get_tagger()._docs([{"id": r["id"], "title": r.get("title"), "text": r.get("text"),
                                     "lang": r.get("lang")} for r in records]))


def _analyse(records: list[dict[str, Any]], docs: list[Any]) -> list[dict[str, Any]]:
    scorer = _scorer()
    out = []
    for record, doc in zip(records, docs, strict=True):
        scorer(doc)
        evidence: dict[str, list[str]] = {}
        for match in doc._.matches:
            if match.entry.kind == "theme":
                span = doc[match.start_token:match.end_token]
                where = "T" if span.start_char < doc._.title_end else "B"
                evidence.setdefault(match.entry.group, []).append(
                    f"{match.entry.term}[{match.entry.strength[0]}{where}@{span.start_char}]")
        out.append({"id": record["id"], "lang": record.get("lang"), "fold": fold_of(record["id"]),
                    "words": sum(1 for t in doc if t.is_alpha),
                    "gold": sorted(record.get("themes") or []), "predicted": sorted(doc._.themes),
                    "scores": {t: s for t, s in doc._.theme_scores.items() if s},
                    "evidence": evidence})
    return out


def _dropout_rows(records: list[dict[str, Any]], docs: list[Any], from_path: str | None) -> list[dict[str, Any]]:
    """Rows scored with each fold's own-only theme terms removed (see the module docstring)."""
    folds_of: dict[tuple[str, str], set[int]] = {}
    for record, doc in zip(records, docs, strict=True):
        for match in doc._.matches:
            if match.entry.kind == "theme":
                folds_of.setdefault((match.entry.group, match.entry.term.lower()), set()).add(fold_of(record["id"]))
    candidates: set[tuple[str, str]] | None = None
    if from_path:
        candidates = {(e.group, e.term.lower()) for e in load_taxonomy(from_path).entries if e.kind == "theme"}

    def dropped(match: Any, fold: int) -> bool:
        key = (match.entry.group, match.entry.term.lower())
        return (match.entry.kind == "theme" and folds_of[key] == {fold}
                and (candidates is None or key in candidates))

    originals = [doc._.matches for doc in docs]
    for record, doc in zip(records, docs, strict=True):
        doc._.matches = [m for m in doc._.matches if not dropped(m, fold_of(record["id"]))]
    rows = _analyse(records, docs)
    for doc, matches in zip(docs, originals, strict=True):
        doc._.matches = matches
    return rows


def _dev_dropout(records: list[dict[str, Any]], docs: list[Any], from_path: str | None) -> list[dict[str, Any]]:
    """``_dropout_rows`` for the development folds' lines only."""
    dev = [(r, d) for r, d in zip(records, docs, strict=True) if fold_of(r["id"]) in DEV_FOLDS]
    return _dropout_rows([r for r, _ in dev], [d for _, d in dev], from_path)


def _figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    gold = [set(r["gold"]) for r in rows]
    pred = [set(r["predicted"]) for r in rows]
    return {"n": len(rows), "f1": macro_f1(gold, pred)}


def _summary(rows: list[dict[str, Any]], folds: tuple[int, ...]) -> list[str]:
    lines = []
    langs = ("en", "fi", "sv")
    pooled = [r for r in rows if r["fold"] in folds]

    def cell(subset: list[dict[str, Any]]) -> str:
        fig = _figures(subset)
        return f"{fig['f1']:.3f} ({fig['n']})" if fig["n"] else "-"

    lines.append("slice            all            en             fi             sv")
    for name, subset in [(f"folds {','.join(map(str, folds))}", pooled)] + [
            (f"fold {f}", [r for r in rows if r["fold"] == f]) for f in folds]:
        lines.append(f"{name:<16} {cell(subset):<14} " + " ".join(
            f"{cell([r for r in subset if r['lang'] == lang]):<14}" for lang in langs))
    return lines


def _detail(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["", "per theme (P/R/F1 support) all | en"]
    for lang_rows, label in ((rows, "all"), ([r for r in rows if r["lang"] == "en"], "en")):
        stats = per_theme_scores([set(r["gold"]) for r in lang_rows], [set(r["predicted"]) for r in lang_rows])
        lines.append(f" {label}: " + "  ".join(
            f"{t} {s['precision']:.2f}/{s['recall']:.2f}/{s['f1']:.2f} {s['support']}" for t, s in stats.items()))
    lines.append("")
    lines.append("by length (words): tp fp fn over all themes, per language")
    for low, high in LENGTH_BANDS:
        for lang in ("en", "fi", "sv"):
            band = [r for r in rows if low <= r["words"] < high and r["lang"] == lang]
            tp = sum(len(set(r["gold"]) & set(r["predicted"])) for r in band)
            fp = sum(len(set(r["predicted"]) - set(r["gold"])) for r in band)
            fn = sum(len(set(r["gold"]) - set(r["predicted"])) for r in band)
            lines.append(f"  {low}-{high} {lang}: items {len(band)} tp {tp} fp {fp} fn {fn}")
    return lines


def _bootstrap(rows: list[dict[str, Any]], resamples: int, seed: int = 7) -> list[str]:
    """90% percentile intervals of macro-F1 over resampled lines, per language and overall."""
    rng = random.Random(seed)
    lines = [f"held-out 90% bootstrap intervals ({resamples} resamples of lines)"]
    for lang in ("all", "en", "fi", "sv"):
        subset = [r for r in rows if lang == "all" or r["lang"] == lang]
        values = sorted(_figures([rng.choice(subset) for _ in subset])["f1"] for _ in range(resamples))
        low, high = values[int(0.05 * resamples)], values[int(0.95 * resamples) - 1]
        lines.append(f"  {lang:<4} {_figures(subset)['f1']:.3f}  [{low:.3f}, {high:.3f}]")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels")
    parser.add_argument("--dump", help="write per-line analysis of the development folds (JSON Lines)")
    parser.add_argument("--dropout", action="store_true",
                        help="also score folds 0-2 without each fold's own-only terms")
    parser.add_argument("--dropout-from", help="only terms of this earlier taxonomy are dropped by --dropout")
    parser.add_argument("--checkpoint", action="store_true", help="also score the held-out folds (aggregates only)")
    parser.add_argument("--bootstrap", type=int, default=0, help="with --checkpoint: resamples for intervals")
    parser.add_argument("--set", action="append", default=[], help="scoring constant name=value")
    parser.add_argument("--variant", action="append", default=[], help='"name=value ..." re-scored on folds 0-2')
    args = parser.parse_args(argv)
    records = load_labels(args.labels)
    if not args.checkpoint:
        records = [r for r in records if fold_of(r["id"]) in DEV_FOLDS]
    _set(args.set)
    docs = _docs(records)
    base = _scorer().settings
    for variant in args.variant:
        _set(variant.split())
        print(f"--- {variant}")
        print("\n".join(_summary([r for r in _analyse(records, docs) if r["fold"] in DEV_FOLDS], DEV_FOLDS)))
        if args.dropout:
            print("  --dropout: " + _summary(_dev_dropout(records, docs, args.dropout_from), DEV_FOLDS)[1])
        _scorer().settings = base
    if args.variant:
        return 0
    rows = _analyse(records, docs)
    lines = _summary(rows, DEV_FOLDS)
    if args.dropout:
        dropped = _dev_dropout(records, docs, args.dropout_from)
        lines += ["", "without each fold's own-only terms (--dropout)"] + _summary(dropped, DEV_FOLDS)[1:]
    if args.checkpoint:
        lines += [""] + _summary(rows, tuple(sorted(HELD_OUT_FOLDS)))
        whole = _figures(rows)
        lines.append(f"whole file: {whole['f1']:.3f} ({whole['n']}) " + " ".join(
            f"{lang} {_figures([r for r in rows if r['lang'] == lang])['f1']:.3f}" for lang in ("en", "fi", "sv")))
        if args.bootstrap:
            lines += _bootstrap([r for r in rows if r["fold"] in HELD_OUT_FOLDS], args.bootstrap)
    dev_rows = [r for r in rows if r["fold"] in DEV_FOLDS]
    lines += _detail(dev_rows)
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as handle:
            for row in dev_rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
