from __future__ import annotations

import dataclasses
from datetime import date

from euradar.core.changes import derive_status, diff_items
from tests.contract.sample_items import sample_items


def test_diff_names_a_moved_deadline_in_words_and_values():
    old = dataclasses.replace(sample_items()[0], deadlines=["2026-03-12"])
    new = dataclasses.replace(old, deadlines=["2026-03-26"])
    changes = diff_items(old, new)
    assert [c.text for c in changes] == ["deadline 12.03.2026 -> 26.03.2026"]
    assert (changes[0].old, changes[0].new) == ("2026-03-12", "2026-03-26")


def test_diff_names_status_budget_and_new_documents():
    old = dataclasses.replace(sample_items()[0], status="forthcoming", budget=1_000_000,
                              documents=["https://x/wp.pdf"])
    new = dataclasses.replace(old, status="open", budget=1_500_000,
                              documents=["https://x/wp.pdf", "https://x/faq.pdf"])
    texts = [c.text for c in diff_items(old, new)]
    assert "status forthcoming -> open" in texts
    assert "budget 1 000 000 EUR -> 1 500 000 EUR" in texts
    assert "1 new document(s): https://x/faq.pdf" in texts


def test_diff_ignores_whitespace_only_differences():
    old = sample_items()[0]
    new = dataclasses.replace(old, text=old.text.replace(" ", "  \n"), title=old.title + " ")
    assert diff_items(old, new) == []


def test_status_derived_from_dates_when_the_source_is_stale():
    today = date(2026, 11, 28)
    assert derive_status("2023-01-01", ["2023-04-12"], "open", today) == "closed"
    assert derive_status("2023-01-01", ["2023-04-12"], "forthcoming", today) == "closed"
    assert derive_status("2026-12-01", ["2027-02-01"], "open", today) == "forthcoming"
    assert derive_status("2026-10-01", ["2027-02-01"], "forthcoming", today) == "open"
    assert derive_status("2026-10-01", ["2027-02-01"], "closed", today) == "open"
    assert derive_status(None, [], "open", today) == "open"
