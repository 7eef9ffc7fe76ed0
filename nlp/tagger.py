"""The Tagger: runs the spaCy pipeline over records and shapes the public output.

Evidence offsets (``start``/``end``) are character offsets into ``title + "\\n" + text``, the
string the pipeline sees (newlines inside a title are replaced by spaces, which keeps lengths).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import euradar.nlp.components  # noqa: F401  (registers the factories)
from euradar.nlp.extract import extract_call_ids, extract_dates

CONFIG_PATH = Path(__file__).with_name("config.cfg")


def build_pipeline(config_path: str | Path = CONFIG_PATH) -> Language:
    """Build the blank pipeline with our registered components from ``config.cfg``."""
    config = spacy.util.load_config(config_path)
    return spacy.util.load_model_from_config(config, auto_fill=True, validate=True)


def compose_text(record: dict[str, Any]) -> str:
    """The analysed string: ``title + "\\n" + text`` (title newlines become spaces)."""
    title = (record.get("title") or "").replace("\r", " ").replace("\n", " ")
    return f"{title}\n{record.get('text') or ''}"


def _theme_entry(doc: Doc, theme: str) -> dict[str, Any]:
    evidence = []
    for match in doc._.matches:
        if match.entry.kind == "theme" and match.entry.group == theme:
            span = doc[match.start_token : match.end_token]
            evidence.append({"text": span.text, "term": match.entry.term,
                             "start": span.start_char, "end": span.end_char})
    return {"id": theme, "score": doc._.theme_scores[theme], "evidence": evidence}


def _groups(doc: Doc, kind: str) -> list[str]:
    return list(dict.fromkeys(m.entry.group for m in doc._.matches if m.entry.kind == kind))


class Tagger:
    """Tags records with Lapland S3 themes T1..T8 (see ``tag`` and ``analyse``)."""

    def __init__(self, nlp: Language, batch_size: int = 64):
        self.nlp = nlp
        self.batch_size = batch_size

    def _docs(self, records: list[dict[str, Any]]) -> Iterator[Doc]:
        def prepared() -> Iterator[Doc]:
            for record in records:
                doc = self.nlp.make_doc(compose_text(record))
                doc.user_data["lang_hint"] = record.get("lang")
                yield doc

        return self.nlp.pipe(prepared(), batch_size=self.batch_size)

    @staticmethod
    def _tag_output(record: dict[str, Any], doc: Doc) -> dict[str, Any]:
        return {"id": record.get("id"), "lang": doc._.lang,
                "themes": [_theme_entry(doc, theme) for theme in doc._.themes]}

    def tag(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Tag records ``{"id", "title", "text", "lang"?}`` (batched through nlp.pipe).

        Returns one ``{"id", "lang", "themes": [{"id", "score", "evidence": [{"text", "term",
        "start", "end"}]}]}`` per record, in order; ``themes`` lists only assigned themes.
        """
        records = list(records)
        return [self._tag_output(record, doc) for record, doc in zip(records, self._docs(records), strict=False)]

    def analyse(self, record: dict[str, Any]) -> dict[str, Any]:
        """Tag one record and add flags, call ids, eligibility, geography, ISO dates,
        the languages present and every theme's score (``all_scores``)."""
        doc = next(iter(self._docs([record])))
        result = self._tag_output(record, doc)
        text = doc.text
        result.update({
            "flags": _groups(doc, "flag"),
            "call_ids": extract_call_ids(text),
            "eligibility": _groups(doc, "eligibility"),
            "geography": _groups(doc, "geography"),
            "dates": extract_dates(text),
            "languages": list(doc._.langs),
            "all_scores": dict(doc._.theme_scores),
        })
        return result
