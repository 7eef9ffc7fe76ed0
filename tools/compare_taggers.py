"""Score an earlier commit's tagger beside today's on the same labelled lines, per slice.

``python tools/compare_taggers.py ../shared/labels/dev.jsonl --rev dda8417 --added-from 178``

Why: the held-out folds are our estimate of how the tagger does on texts nobody tuned it to, and
the issue gives one outside figure to check that estimate against: the first tagger (rev
``dda8417``: the package move, the first wave's term lists and scoring unchanged) scored 0.70
(English 0.78, Finnish 0.65, Swedish 0.56) on 323 unseen texts. Scoring that tagger on each
slice of our file shows which slice behaves like those unseen texts. The file's first lines
(``--added-from``: the first line number added later, 178 in ../shared/labels/README.md) are
the ones the first tagger was written on; the later ones were added with the unseen texts.

Slices: the whole file, the first lines and the later lines, and the held-out folds (3 and 4)
split the same way; macro-F1 per language, over the themes each slice has examples of. Only
aggregate figures are printed (no line of the file). With ``--bootstrap N``, 90% intervals of
today's held-out figures over N resamples of lines.

The earlier tagger runs in a subprocess from a ``git worktree`` of ``--rev`` (removed
afterwards), with this checkout's installed packages; it must be importable as ``euradar``
from its worktree's top level, as every revision since the package move (dda8417) is.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from euradar.nlp import get_tagger
from euradar.nlp.evaluate import HELD_OUT_FOLDS, fold_of, load_labels, macro_f1

ROOT = Path(__file__).resolve().parents[1]
# Run inside the worktree: its top level takes the place of this checkout's editable install.
_PREDICT = """
import json, sys
worktree, labels, out = sys.argv[1:4]
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, worktree)
import euradar
euradar.__path__[:] = [worktree + "/euradar", worktree]
from euradar.nlp import get_tagger
tagger = get_tagger()
predicted = {}
for line in open(labels, encoding="utf-8"):
    if line.strip():
        r = json.loads(line)
        a = tagger.analyse({k: r.get(k) for k in ("id", "title", "text", "lang")})
        predicted[r["id"]] = sorted(t["id"] for t in a["themes"])
json.dump({"module": __import__("euradar.nlp").nlp.__file__, "predicted": predicted}, open(out, "w"))
"""


def predictions_now(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    tagger = get_tagger()
    fields = ("id", "title", "text", "lang")
    return {r["id"]: sorted(t["id"] for t in tagger.analyse({k: r.get(k) for k in fields})["themes"]) for r in records}


def predictions_at(rev: str, labels: str) -> dict[str, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        worktree = str(Path(tmp) / "tree")
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", worktree, rev], check=True)
        try:
            out = Path(tmp) / "predicted.json"
            subprocess.run([sys.executable, "-c", _PREDICT, worktree, str(Path(labels).resolve()), str(out)],
                           check=True, cwd=worktree)
            result = json.loads(out.read_text())
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", worktree], check=True)
    if not result["module"].startswith(worktree):  # the comparison would be today's tagger twice
        raise SystemExit(f"the earlier tagger was imported from {result['module']}, not from its worktree")
    return dict(result["predicted"])


def slices(records: list[dict[str, Any]], added_from: int) -> list[tuple[str, list[dict[str, Any]]]]:
    first, later = records[:added_from - 1], records[added_from - 1:]
    held = [r for r in records if fold_of(r["id"]) in HELD_OUT_FOLDS]
    held_ids = {r["id"] for r in held}
    return [("whole file", records), (f"lines 1-{added_from - 1}", first), (f"lines {added_from}+", later),
            ("held-out", held), (f"held-out, lines 1-{added_from - 1}", [r for r in first if r["id"] in held_ids]),
            (f"held-out, lines {added_from}+", [r for r in later if r["id"] in held_ids])]


def score(rows: list[dict[str, Any]], predicted: dict[str, list[str]]) -> float:
    return macro_f1([set(r.get("themes") or []) for r in rows], [set(predicted[r["id"]]) for r in rows])


def cell(rows: list[dict[str, Any]], predicted: dict[str, list[str]]) -> str:
    return f"{score(rows, predicted):.3f} ({len(rows)})" if rows else "-"


def interval(rows: list[dict[str, Any]], predicted: dict[str, list[str]], resamples: int) -> str:
    rng = random.Random(7)
    values = sorted(score([rng.choice(rows) for _ in rows], predicted) for _ in range(resamples))
    return f"[{values[int(0.05 * resamples)]:.3f}, {values[int(0.95 * resamples) - 1]:.3f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels")
    parser.add_argument("--rev", default="dda8417", help="the earlier commit (default: the first tagger)")
    parser.add_argument("--added-from", type=int, default=178, help="first line number added later")
    parser.add_argument("--bootstrap", type=int, default=0, help="resamples for today's held-out intervals")
    args = parser.parse_args(argv)
    records = load_labels(args.labels)
    taggers = {args.rev: predictions_at(args.rev, args.labels), "today": predictions_now(records)}
    print(f"{'slice':<26} {'tagger':<8} {'all':<13} {'en':<13} {'fi':<13} {'sv':<13}")
    for name, rows in slices(records, args.added_from):
        for label, predicted in taggers.items():
            print(f"{name:<26} {label:<8} {cell(rows, predicted):<13} " + " ".join(
                f"{cell([r for r in rows if r.get('lang') == lang], predicted):<13}" for lang in ("en", "fi", "sv")))
            if args.bootstrap and label == "today" and name.startswith("held-out"):
                print(f"{'':<26} {'90%':<8} {interval(rows, predicted, args.bootstrap):<13} " + " ".join(
                    f"{interval([r for r in rows if r.get('lang') == lang], predicted, args.bootstrap):<13}"
                    for lang in ("en", "fi", "sv")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
