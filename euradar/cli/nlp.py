"""Command-line entry points: ``tag`` (JSONL in, JSONL out), ``explain`` and ``eval``.

Broken input lines in ``tag``: the error goes to stderr with the line number, and the output
gets ``{"id": null, "error": "..."}`` at that position so output line N answers input line N.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import IO, Any

from euradar.core.errors import InvalidItem
from euradar.core.schema import cap_for_tagging, check_text
from euradar.nlp import get_tagger
from euradar.nlp.evaluate import evaluate_records, format_report, load_labels
from euradar.nlp.taxonomy import load_taxonomy

TAG_BATCH = 256


def _parse_line(raw: str | bytes, number: int) -> tuple[dict[str, Any] | None, str | None]:
    if isinstance(raw, bytes):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            return None, f"line {number}: not valid UTF-8 (byte {error.start})"
    else:
        line = raw
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return None, f"line {number}: invalid JSON ({error.msg} at column {error.colno})"
    except RecursionError:
        return None, f"line {number}: JSON nested too deeply"
    if not isinstance(record, dict):
        return None, f"line {number}: expected a JSON object with id, title, text"
    if not isinstance(record.get("title") or "", str) or not isinstance(record.get("text") or "", str):
        return None, f"line {number}: 'title' and 'text' must be strings"
    try:
        for field in ("id", "title", "text", "lang"):
            value = record.get(field)
            if isinstance(value, str):
                check_text(value, field, len(value))
    except InvalidItem as error:
        return None, f"line {number}: {error}"
    text, truncated = cap_for_tagging(record.get("text") or "")
    if truncated:
        record = {**record, "text": text, "_truncated": True}
    return record, None


def _tag_safely(tagger: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tag a batch; if the batch fails, tag its records one by one, so one record the pipeline
    cannot take costs that record only."""
    try:
        results: list[dict[str, Any]] = tagger.tag(records)
        return results
    except Exception:
        out = []
        for record in records:
            try:
                out.extend(tagger.tag([record]))
            except Exception as error:
                out.append({"id": record.get("id"), "error": f"{type(error).__name__}: {error}"})
        return out


def tag_main(stdin: IO[str] | IO[bytes], stdout: IO[str], stderr: IO[str] | None = None) -> int:
    """Tag JSONL records from ``stdin``; one JSONL result per non-blank input line, in order.
    Returns 0, or 1 when any line was broken (those lines get ``{"id": null, "error"}``).
    Lines are decoded one by one, so bad bytes cost only their own line; a text longer than
    the tagger reads is tagged on its first part, with ``"truncated": true``."""
    stderr = stderr or sys.stderr
    tagger = get_tagger()
    failed = False
    pending: list[tuple[dict[str, Any] | None, str | None]] = []

    def flush() -> None:
        nonlocal failed
        good = [record for record, _ in pending if record is not None]
        results = iter(_tag_safely(tagger, good))
        for record, error in pending:
            out = next(results) if record is not None else {"id": None, "error": error}
            if record is not None and record.pop("_truncated", False):
                out = {**out, "truncated": True}
            if "error" in out and record is not None:
                failed = True
                print(f"euradar tag: {record.get('id')}: {out['error']}", file=stderr)
            stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
        pending.clear()

    lines: Iterable[str | bytes] = stdin
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record, error = _parse_line(line, number)
        if error:
            failed = True
            print(f"euradar tag: {error}", file=stderr)
        pending.append((record, error))
        if len(pending) >= TAG_BATCH:
            flush()
    flush()
    return 1 if failed else 0


def format_explanation(result: dict[str, Any], labels: dict[str, dict[str, str]]) -> str:
    """Readable explanation of ``Tagger.analyse`` output: why each theme was (not) assigned."""
    assigned = {theme["id"]: theme for theme in result["themes"]}
    lines = [f"id: {result.get('id')}   language: {result['lang']} (present: {', '.join(result.get('languages', []))})"]
    for theme_id, score in result["all_scores"].items():
        label = labels.get(theme_id, {}).get("en", "")
        mark = "ASSIGNED" if theme_id in assigned else "-"
        lines.append(f"{theme_id} {score:.2f} {mark:<8} {label}")
        for ev in assigned.get(theme_id, {}).get("evidence", []):
            lines.append(f"      '{ev['text']}' [{ev['start']}:{ev['end']}] matches term '{ev['term']}'")
    for key in ("flags", "call_ids", "eligibility", "geography", "dates"):
        lines.append(f"{key}: {', '.join(result[key]) or '-'}")
    return "\n".join(lines)


def explain_main(args: list[str] | None = None, stdout: IO[str] | None = None, stdin: IO[str] | None = None) -> int:
    """``explain [--title T] [TEXT] | --jsonl FILE [--id ID]``: print why each theme applies.
    With no text and no file, reads one JSON record (or plain text) from stdin."""

    stdout, stdin = stdout or sys.stdout, stdin or sys.stdin
    parser = argparse.ArgumentParser(prog="euradar explain", description="Explain theme tagging of a text.")
    parser.add_argument("text", nargs="?", help="body text (or use --jsonl, or stdin)")
    parser.add_argument("--title", default="")
    parser.add_argument("--lang", choices=["en", "fi", "sv"])
    parser.add_argument("--jsonl", help="JSONL file of records")
    parser.add_argument("--id", help="record id in --jsonl (default: every record)")
    options = parser.parse_args(args)
    if options.jsonl:
        with open(options.jsonl, encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
        records = [r for r in records if options.id is None or str(r.get("id")) == options.id]
        if not records:
            print(f"no record with id {options.id} in {options.jsonl}", file=sys.stderr)
            return 1
    elif options.text is not None or options.title:
        records = [{"id": None, "title": options.title, "text": options.text or "", "lang": options.lang}]
    else:
        raw = stdin.read()
        try:
            records = [json.loads(raw)]
        except json.JSONDecodeError:
            records = [{"id": None, "title": "", "text": raw, "lang": options.lang}]
    labels = load_taxonomy().theme_labels
    tagger = get_tagger()
    for record in records:
        stdout.write(format_explanation(tagger.analyse(record), labels) + "\n\n")
    return 0


def eval_main(labels_path: str, stdout: IO[str] | None = None, as_json: bool = False) -> int:
    """Evaluate the tagger on a labelled JSONL file and print the report (text or JSON)."""

    stdout = stdout or sys.stdout
    report = evaluate_records(load_labels(labels_path), get_tagger())
    if as_json:
        stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(format_report(report) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m euradar.nlp tag|explain|eval ...``"""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("tag", "explain", "eval"):
        print("usage: python -m euradar.nlp tag < in.jsonl | explain ... | eval LABELS.jsonl [--json]", file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "tag":
        return tag_main(sys.stdin, sys.stdout)
    if command == "explain":
        return explain_main(rest)
    as_json = "--json" in rest
    paths = [a for a in rest if a != "--json"]
    if len(paths) != 1:
        print("usage: python -m euradar.nlp eval LABELS.jsonl [--json]", file=sys.stderr)
        return 2
    return eval_main(paths[0], sys.stdout, as_json)
