"""What every Index backend guarantees. Subclass with an ``index`` fixture (empty, ensured)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from euradar.alerts.query_match import analyse, matches
from euradar.core.ports import Query
from euradar.core.query_syntax import QuerySyntaxError, parse_query
from tests.contract.query_items import QUERIES, query_items
from tests.contract.sample_items import american_item, nordic_items, sample_items


def _ids(page) -> list[str]:
    return [h.item.id for h in page.hits]


def _rank(item) -> int:
    return {"open": 0, "forthcoming": 0, "closed": 2}.get(item.status or "", 1)


class IndexContract:
    @pytest.fixture
    def index(self):  # pragma: no cover - overridden
        raise NotImplementedError

    @pytest.fixture
    def loaded(self, index):
        index.upsert(sample_items())
        return index

    def test_index_upsert_is_idempotent(self, index):
        items = sample_items()
        assert index.upsert(items) == len(items)
        index.upsert(items)
        assert index.count() == len(items)

    def test_index_get_returns_the_item(self, loaded):
        item = loaded.get("ft:SMP-COSME-2024-CLUSTER-01")
        assert item is not None and item.title == "Euroclusters for Europe's recovery"
        assert item.deadlines == ["2024-06-20", "2024-11-20"]
        assert loaded.get("nope") is None

    def test_index_text_search_uses_stems(self, loaded):
        page = loaded.search(Query(text="recycled textile"))
        assert _ids(page) == ["ft:HORIZON-CL6-2026-01-CIRCBIO-07"]

    def test_index_finnish_inflections_and_compounds_match(self, loaded):
        for query in ("testaus", "testauksen", "talvitestaus"):
            assert "url:lapinliitto-1" in _ids(loaded.search(Query(text=query))), query

    def test_index_all_words_must_match(self, loaded):
        assert loaded.search(Query(text="hydrogen textile")).total == 0

    def test_index_filters_combine(self, loaded):
        assert _ids(loaded.search(Query(themes=("T8",)))) == ["ft:SMP-COSME-2024-CLUSTER-01"]
        assert set(_ids(loaded.search(Query(kinds=("news",))))) == {"url:presscorner-1",
                                                                   "url:lapinliitto-1"}
        assert _ids(loaded.search(Query(kinds=("call",), statuses=("closed",)))) == [
            "ft:SMP-COSME-2024-CLUSTER-01"]
        assert _ids(loaded.search(Query(langs=("sv",)))) == ["ted:123456-2026"]
        assert _ids(loaded.search(Query(eligibility=("local_authorities",)))) == [
            "ft:HORIZON-CL6-2026-01-CIRCBIO-07"]
        assert set(_ids(loaded.search(Query(themes=("T1", "T3"))))) == {
            "ft:HORIZON-CL6-2026-01-CIRCBIO-07", "url:presscorner-1"}
        assert loaded.search(Query(text="cluster", themes=("T1",))).total == 0

    def test_index_deadline_and_first_seen_ranges(self, loaded):
        page = loaded.search(Query(deadline_from="2024-11-01", deadline_to="2024-11-30"))
        assert _ids(page) == ["ft:SMP-COSME-2024-CLUSTER-01"]
        page = loaded.search(Query(first_seen_from="2026-07-01", first_seen_to="2026-08-31"))
        assert set(_ids(page)) == {"url:presscorner-1", "url:lapinliitto-1"}

    def test_index_sort_by_deadline_puts_the_soonest_upcoming_first(self, index):
        today = date.today()
        soon, later, past = (today + timedelta(days=d) for d in (5, 40, -10))
        items = sample_items()
        items[0] = dataclasses.replace(items[0], deadlines=[later.isoformat()])
        items[4] = dataclasses.replace(items[4], deadlines=[past.isoformat(), soon.isoformat()])
        index.upsert(items)
        page = index.search(Query(sort="deadline"))
        assert _ids(page)[:2] == ["ted:123456-2026", "ft:HORIZON-CL6-2026-01-CIRCBIO-07"]

    def test_index_sort_by_first_seen_newest_first(self, loaded):
        page = loaded.search(Query(sort="first_seen"))
        assert _ids(page)[0] == "ted:123456-2026"

    def test_index_paging(self, loaded):
        seen = []
        for p in (1, 2, 3):
            page = loaded.search(Query(sort="first_seen", page=p, size=2))
            assert page.total == 5
            seen += _ids(page)
        assert len(seen) == 5 and len(set(seen)) == 5

    def test_index_facets_count_the_matching_set(self, loaded):
        page = loaded.search(Query(kinds=("call", "news")))
        assert page.facets["kind"] == {"call": 2, "news": 2}
        assert page.facets["themes"] == {"T1": 1, "T3": 1, "T4": 1, "T8": 1}
        assert page.facets["lang"] == {"en": 3, "fi": 1}
        assert page.facets["eligibility"] == {"smes": 2, "local_authorities": 1}

    def test_index_upsert_replaces_the_previous_version(self, loaded):
        item = loaded.get("url:presscorner-1")
        loaded.upsert([dataclasses.replace(item, title="Commission funds solar farms", version=2)])
        assert loaded.search(Query(text="hydrogen valleys")).total == 0
        assert _ids(loaded.search(Query(text="solar"))) == ["url:presscorner-1"]
        assert loaded.get("url:presscorner-1").version == 2

    def test_index_highlights_mark_matches_and_escape_hostile_text(self, index):
        item = dataclasses.replace(sample_items()[2], id="url:x",
                                   title="<script>alert(1)</script> hydrogen funding")
        index.upsert([item])
        hit = index.search(Query(text="hydrogen")).hits[0]
        joined = " ".join(hit.highlights)
        assert "<mark>hydrogen</mark>" in joined.lower()
        assert "<script>" not in joined and "&lt;script&gt;" in joined

    def test_index_backend_syntax_in_user_text_is_inert(self, loaded):
        for text in ("title:(x)", "NEAR(a b)", "-", "body_norm:recycl", "{!lucene}x", "a^3 b~2",
                     "ft:HORIZON-CL6-2026-01-CIRCBIO-07"):
            loaded.search(Query(text=text))  # plain words to us, never backend syntax
        assert _ids(loaded.search(Query(text="id:ft:HORIZON-CL6-2026-01-CIRCBIO-07"))) == [
            "ft:HORIZON-CL6-2026-01-CIRCBIO-07"]

    @pytest.mark.parametrize("text, where", [('"unbalanced', 0), ("AND OR NOT", 0),
                                             ("title:(x", 6), ("*", 0), ("hydrogen OR", 9),
                                             ("programm:HORIZON", 0), ("a ) b", 2)])
    def test_index_bad_syntax_is_a_clear_error_with_its_position(self, loaded, text, where):
        with pytest.raises(QuerySyntaxError) as info:
            loaded.search(Query(text=text))
        assert info.value.position == where

    # -- the query language: every backend gives the in-memory matcher's hit set ----------

    @pytest.fixture
    def query_loaded(self, index):
        index.upsert(query_items())
        return index

    @pytest.mark.parametrize("text", sorted(QUERIES))
    def test_index_query_language_hit_sets(self, query_loaded, text):
        expected = {item.id for item in query_items()
                    if matches(parse_query(text), analyse(item))}
        assert expected == QUERIES[text], "the in-memory matcher disagrees with the fixture"
        page = query_loaded.search(Query(text=text, size=50, facets=False))
        assert set(_ids(page)) == expected and page.total == len(expected)

    def test_index_highlights_follow_the_query_language(self, query_loaded):
        page = query_loaded.search(Query(text='recycl* OR "wind power" NOT offshore'))
        marks = " ".join(m for h in page.hits for m in h.highlights)
        assert "<mark>Recycling</mark>" in marks and "<mark>recyclers</mark>" in marks
        assert "<mark>wind</mark> <mark>power</mark>" in marks
        assert "<mark>offshore</mark>" not in marks

    # -- deadline-aware default order ------------------------------------------------------

    def test_index_a_closed_call_never_ranks_above_an_open_one(self, query_loaded):
        for text in ("accelerator", "accelerator OR wind", "hydrogen OR solar OR soil", ""):
            hits = query_loaded.search(Query(text=text, size=50)).hits
            ranks = [_rank(h.item) for h in hits]
            assert ranks == sorted(ranks), (text, [h.item.id for h in hits])
        hits = query_loaded.search(Query(text="accelerator")).hits
        assert [h.item.id for h in hits][0] == "syn:3"  # one mention, but the open one

    def test_index_default_order_pages_across_the_status_classes(self, query_loaded):
        seen = []
        for page in (1, 2, 3, 4):
            seen += _ids(query_loaded.search(Query(size=3, page=page, facets=False)))
        assert len(seen) == 11 and len(set(seen)) == 11
        assert [_rank(query_loaded.get(i)) for i in seen] == sorted(
            _rank(query_loaded.get(i)) for i in seen)

    def test_index_closed_calls_stay_findable(self, query_loaded):
        page = query_loaded.search(Query(text="accelerator", statuses=("closed",)))
        assert set(_ids(page)) == {"syn:1", "syn:2"}
        assert _ids(query_loaded.search(Query(sort="first_seen")))[0] == "syn:11"  # closed
        page = query_loaded.search(Query(text="accelerator status:closed"))
        assert set(_ids(page)) == {"syn:1", "syn:2"}

    def test_index_facets_cover_the_matching_set_of_a_language_query(self, query_loaded):
        page = query_loaded.search(Query(text="hydrogen OR soil"))
        assert page.facets["status"] == {"open": 2, "forthcoming": 1}
        assert page.facets["themes"] == {"T3": 2, "T2": 1}
        assert page.facets["programme"] == {"HORIZON": 2, "CEF": 1}

    # -- Finnish and Swedish single words: any form of the word, whatever the item's language --

    @pytest.mark.parametrize("word, expected", [
        ("vety", {"local:fi-vety"}),              # base form; the text has "vedyn", "vetytalouden"
        ("vedyn", {"local:fi-vety"}),             # inflected
        ("vetytalous", {"local:fi-vety"}),        # the compound itself
        ("talous", {"local:fi-vety"}),            # a compound part
        ("kiertotalous", {"local:fi-vety"}),
        ("kiertotalouden", {"local:fi-vety"}),
        ("metsä", {"local:fi-vety"}),             # the text has "metsien"
        ("metsien", {"local:fi-vety"}),
        ("matkailun", {"local:fi-vety"}),
        ("matkailu", {"local:fi-vety"}),
        ("kaivos", {"local:fi-vety"}),            # part of "kaivosteollisuuden"
        ("Rovaniemellä", {"local:fi-vety", "ted:123456-2026"}),  # a place, in Finnish and Swedish items
        ("Rovaniemi", {"local:fi-vety", "ted:123456-2026"}),
        ("vätgas", {"local:sv-vatgas"}),          # the text has "vätgasen"
        ("vätgasen", {"local:sv-vatgas"}),
        ("Sverige", {"local:sv-vatgas"}),
        ("Sveriges", {"local:sv-vatgas"}),
        ("beredskapsövning", {"local:sv-vatgas"}),
        ("övning", {"local:sv-vatgas"}),          # part of "beredskapsövningen"
        ("kommun", {"local:sv-vatgas"}),          # the text has "kommunerna"
        ("järnväg", {"local:sv-vatgas"}),         # "järnvägar": the dictionary says "järnvägare"
        ("järnvägen", {"local:sv-vatgas"}),
        ("testauksen", {"url:lapinliitto-1"}),
        ("vatgas", {"local:sv-vatgas"}),          # typed without Nordic letters: "vätgas"
        ("jarnvag", {"local:sv-vatgas"}),
        ("beredskapsovning", {"local:sv-vatgas"}),  # a compound no dictionary holds
        ("Rovaniemella", {"local:fi-vety", "ted:123456-2026"}),
        ("kaivosteollisuus", {"local:fi-vety"}),  # the compound; the item has "kaivosteollisuuden"
        ("hydrogen", {"url:presscorner-1"}),      # English still stems
        ("vettyä", set()),                        # "vety" is not the verb "vettyä"
        ("tuulivoima", set()),                    # a word the items do not hold
    ])
    def test_index_finnish_and_swedish_single_words(self, index, word, expected):
        index.upsert(sample_items() + nordic_items())
        assert set(_ids(index.search(Query(text=word)))) == expected, word

    # -- English in British and American spelling: one word, whichever way either side spells it --

    @pytest.mark.parametrize("word, expected", [
        ("decarbonisation", {"local:en-us"}),     # the item writes "decarbonization"
        ("centre", {"local:en-us"}),
        ("modelling", {"local:en-us", "ft:HORIZON-CL6-2026-01-CIRCBIO-07"}),  # "Modeling"; "models"
        ("fibre", {"local:en-us"}),
        ("defence", {"local:en-us"}),
        ("organizations", {"ft:SMP-COSME-2024-CLUSTER-01"}),   # the item writes "organisations"
        ("internationalization", {"ft:SMP-COSME-2024-CLUSTER-01"}),
        ("decarbonization", {"local:en-us"}),     # and each spelling still finds itself
        ("size", set()),                          # "-ize" words both spellings share are left alone
    ])
    def test_index_british_and_american_spellings_find_each_other(self, index, word, expected):
        index.upsert([*sample_items(), american_item()])
        assert set(_ids(index.search(Query(text=word)))) == expected, word

    def test_index_several_nordic_words_must_all_match(self, index):
        index.upsert(sample_items() + nordic_items())
        assert _ids(index.search(Query(text="vety Rovaniemi"))) == ["local:fi-vety"]
        assert _ids(index.search(Query(text="vätgas Norrbotten kommun"))) == ["local:sv-vatgas"]
        assert index.search(Query(text="vety vätgas")).total == 0

    def test_index_highlights_the_inflected_form(self, index):
        index.upsert(nordic_items())
        hit = index.search(Query(text="vety")).hits[0]
        joined = " ".join(hit.highlights)
        assert "<mark>Vedyn</mark>" in joined and "<mark>Vetytalouden</mark>" in joined
