"""Unit tests of the pure Elasticsearch query translation and URL parsing (no server needed)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from euradar.core.errors import ConfigError
from euradar.core.ports import FACET_FIELDS, Query
from euradar.core.query_syntax import QuerySyntaxError
from euradar.core.search_doc import epoch_seconds
from euradar.infra.index.analysis import analyse
from euradar.infra.index.es_query import facet_counts, to_document, to_es
from tests.contract.sample_items import sample_items

TODAY = date(2026, 3, 1)


def _filters(body):
    return body["query"]["bool"]["filter"]


def test_empty_query_matches_everything_open_first_then_newest_with_all_facets():
    body = to_es(Query(), TODAY)
    assert body["query"] == {"bool": {"filter": []}}
    assert body["sort"] == [{"status_rank": {"order": "asc"}},
                            {"first_seen_ts": {"order": "desc"}},
                            {"id": {"order": "asc"}}]
    # one aggregation counts every facet field (values kept as field=value)
    assert body["aggs"] == {"facets": {"terms": {"field": "facets",
                                                 "size": 1000 * len(FACET_FIELDS)}}}
    assert body["track_total_hits"] is True and body["from"] == 0 and body["size"] == 20


def test_a_word_is_a_term_per_form_in_title_or_body_ranked_after_the_status_class():
    body = to_es(Query(text="Recycled"), TODAY)
    (must,) = body["query"]["bool"]["must"]
    should = must["bool"]["should"]
    assert {"term": {"title_norm": {"value": "recycl", "boost": 3.0}}} in should
    assert {"term": {"body_norm": {"value": "recycl"}}} in should
    assert must["bool"]["minimum_should_match"] == 1
    assert body["sort"][:2] == [{"status_rank": {"order": "asc"}}, "_score"]
    assert body["track_scores"] is True


def test_phrases_prefixes_fields_and_boolean_operators_translate():
    body = to_es(Query(text='"wind power" OR vet* -theme:T3'), TODAY)
    (must,) = body["query"]["bool"]["must"]
    phrase, rest = must["bool"]["should"]
    near = phrase["bool"]["should"][0]["span_near"]
    assert near["slop"] == 0 and near["in_order"] is True
    first = near["clauses"][0]["span_or"]["clauses"]
    assert {"span_term": {"title_norm": "wind"}} in first  # each form of the word (an OR)
    assert rest == {"bool": {"must": [{"prefix": {"words": {"value": "vet"}}}],
                             "must_not": [{"term": {"tags": "theme=t3"}}]}}
    assert "query_string" not in json.dumps(body)


def test_a_query_of_filters_only_is_not_scored():
    body = to_es(Query(text="status:open kind:call"), TODAY)
    assert "_score" not in body["sort"] and "track_scores" not in body


@pytest.mark.parametrize("text", ["title:(x)", "NEAR(a b)", "-", "{!lucene}x", "a^3 b~2"])
def test_user_text_never_becomes_query_syntax(text):
    body = to_es(Query(text=text), TODAY)
    assert "query_string" not in json.dumps(body)


def test_bad_syntax_raises_before_anything_is_sent():
    with pytest.raises(QuerySyntaxError, match="never closed"):
        to_es(Query(text="(hydrogen"), TODAY)


def test_filters_or_within_a_field_and_across_fields():
    q = Query(kinds=("call", "news"), statuses=("open",), themes=("T1", "T3"),
              eligibility=("smes",), langs=("fi",), programmes=("HORIZON",), sources=("ft_grants",),
              ids=("a", "b"))
    assert _filters(to_es(q, TODAY)) == [
        {"terms": {"kind": ["call", "news"]}},
        {"terms": {"status": ["open"]}},
        {"terms": {"lang": ["fi"]}},
        {"terms": {"programme": ["HORIZON"]}},
        {"terms": {"source": ["ft_grants"]}},
        {"terms": {"id": ["a", "b"]}},
        {"terms": {"themes": ["T1", "T3"]}},
        {"terms": {"eligibility": ["smes"]}},
    ]


def test_date_ranges_are_inclusive_iso_days():
    q = Query(deadline_from="2024-11-01T00:00:00Z", deadline_to="2024-11-30",
              first_seen_from="2026-07-01")
    assert _filters(to_es(q, TODAY)) == [
        {"range": {"deadlines": {"gte": "2024-11-01", "lte": "2024-11-30"}}},
        {"range": {"first_seen_day": {"gte": "2026-07-01"}}},
    ]


def test_deadline_sort_is_a_nested_min_over_upcoming_days_missing_last():
    body = to_es(Query(sort="deadline"), TODAY)
    first = body["sort"][0]["deadline_list.day"]
    assert first["order"] == "asc" and first["mode"] == "min" and first["missing"] == "_last"
    assert first["nested"] == {"path": "deadline_list",
                               "filter": {"range": {"deadline_list.day": {"gte": "2026-03-01"}}}}
    assert body["sort"][1] == {"id": {"order": "asc"}}
    assert "script" not in json.dumps(body)


def test_first_seen_sort_ignores_score_even_with_text():
    body = to_es(Query(text="x", sort="first_seen"), TODAY)
    assert body["sort"][0] == {"first_seen_ts": {"order": "desc"}}


def test_paging_is_clamped():
    assert (to_es(Query(page=3, size=2), TODAY)["from"], to_es(Query(page=3, size=2), TODAY)["size"]) == (4, 2)
    body = to_es(Query(page=0, size=10_000), TODAY)
    assert body["from"] == 0 and body["size"] == 500


def test_no_facets_when_not_asked():
    assert "aggs" not in to_es(Query(facets=False), TODAY)


def test_document_carries_filters_days_and_the_whole_item():
    item = sample_items()[1]
    doc = to_document(item, analyse(item))
    assert doc["deadlines"] == ["2024-06-20", "2024-11-20"]
    assert doc["deadline_list"] == [{"day": "2024-06-20"}, {"day": "2024-11-20"}]
    assert doc["themes"] == ["T8"] and doc["first_seen_day"] == "2026-04-01"
    assert doc["first_seen_ts"] == epoch_seconds(item.first_seen) > 0
    assert doc["doc"] == item.to_dict()
    assert doc["status_rank"] == 2 and "theme=t8" in doc["tags"] and "status=closed" in doc["tags"]
    assert "euroclusters" in doc["words"].split() and "euroclust" in doc["title_norm"].split()
    assert doc["facets"] == [f"kind={item.kind}", f"status={item.status}", f"lang={item.lang}",
                             *([f"programme={item.programme}"] if item.programme else []),
                             "themes=T8", *(f"eligibility={e}" for e in item.eligibility),
                             f"source={item.source}"]


def test_facet_counts_split_the_one_aggregation_back_per_field():
    aggs = {"facets": {"buckets": [
        {"key": "kind=call", "doc_count": 5}, {"key": "programme=HORIZON", "doc_count": 3},
        {"key": "source=ft=grants", "doc_count": 2}, {"key": "kind=news", "doc_count": 1},
        {"key": "unknown=x", "doc_count": 9}]}}
    counts = facet_counts(aggs)
    assert set(counts) == set(FACET_FIELDS)
    assert counts["kind"] == {"call": 5, "news": 1} and list(counts["kind"]) == ["call", "news"]
    assert counts["programme"] == {"HORIZON": 3} and counts["source"] == {"ft=grants": 2}
    assert counts["themes"] == {} and facet_counts({}) == {name: {} for name in FACET_FIELDS}


def test_document_fields_are_all_in_the_strict_mapping():
    from euradar.infra.index.elasticsearch import MAPPING_FILE

    mapping = json.loads(MAPPING_FILE.read_text())["mappings"]
    assert mapping["dynamic"] == "strict"
    assert set(to_document(sample_items()[0], analyse(sample_items()[0]))) == set(
        mapping["properties"])
    for name in FACET_FIELDS:
        assert mapping["properties"][name]["type"] == "keyword"


def test_es_url_parameters():
    from euradar.infra.index.elasticsearch import parse_es_url

    cfg = parse_es_url("http://127.0.0.1:9200")
    assert cfg["alias"] == "euradar-items" and cfg["index"] == "euradar-items-v2"
    assert cfg["host"] == "http://127.0.0.1:9200" and cfg["refresh"] == "wait_for"
    cfg = parse_es_url("https://es:9200/?prefix=test-1&refresh=true&retries=0&timeout=2.5")
    assert cfg["index"] == "test-1-v2" and cfg["refresh"] is True and cfg["retries"] == 0
    assert cfg["host"] == "https://es:9200" and cfg["timeout"] == 2.5
    for bad in ("http://h:9200?prefix=Upper", "http://h:9200?bogus=1", "http://h?refresh=maybe",
                "ftp://h:9200"):
        with pytest.raises(ConfigError):
            parse_es_url(bad)


def test_kafka_url_parameters():
    from euradar.infra.bus.kafka import KafkaBus
    from euradar.infra.bus.kafka_config import parse_kafka_url

    cfg = parse_kafka_url("kafka://127.0.0.1:9092")
    assert cfg["bootstrap"] == ["127.0.0.1:9092"] and cfg["partitions"] == 6
    assert cfg["replication"] == 1 and cfg["topic_prefix"] == "" and cfg["retention_ms"] is None
    cfg = parse_kafka_url("kafka://a:1,b:2?partitions=6&retention_ms=86400000&topic_prefix=t1.")
    assert cfg["bootstrap"] == ["a:1", "b:2"] and cfg["partitions"] == 6
    assert cfg["retention_ms"] == 86400000 and cfg["topic_prefix"] == "t1."
    for bad in ("kafka://", "kafka://h:1?partitions=0", "kafka://h:1?nope=1", "kafka://h:1?partitions=x"):
        with pytest.raises(ConfigError):
            parse_kafka_url(bad)
    bus = KafkaBus("kafka://h:1?topic_prefix=t1.")  # no network until first use
    assert bus.physical("euradar.dead") == "t1.euradar.dead"
    assert bus.logical("t1.euradar.dead") == "euradar.dead"


def test_kafka_unreachable_broker_fails_fast_with_bus_unavailable():
    import time

    from euradar.core.errors import BusUnavailable
    from euradar.infra.bus.kafka import KafkaBus

    bus = KafkaBus("kafka://127.0.0.1:9?timeout_ms=1500")
    t0 = time.monotonic()
    with pytest.raises(BusUnavailable, match="127.0.0.1:9"):
        bus.publish("x", "k", b"v")
    assert time.monotonic() - t0 < 10
    bus.close()


def test_es_unreachable_fails_with_index_unavailable_after_retries():
    from euradar.core.errors import IndexUnavailable
    from euradar.infra.index.elasticsearch import ElasticsearchIndex

    index = ElasticsearchIndex("http://127.0.0.1:9?retries=2&timeout=1")
    index.backoff_base = 0.01
    with pytest.raises(IndexUnavailable, match="3 attempt"):
        index.upsert(sample_items()[:1])
    with pytest.raises(IndexUnavailable):
        index.search(Query(text="x"))
    index.close()
