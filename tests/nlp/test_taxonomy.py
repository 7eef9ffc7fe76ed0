import pytest

from euradar.nlp.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy

VALID_THEME = "themes:\n  T1:\n    labels: {en: Industry, fi: Teollisuus, sv: Industri}\n    terms:\n      fi: [kaivos]\n"


def test_shipped_taxonomy_is_valid_and_complete():
    taxonomy = load_taxonomy()
    assert taxonomy.theme_ids == [f"T{i}" for i in range(1, 9)]
    assert {"sami", "sparsely_populated", "arctic", "cross_border", "digitalisation",
            "accessibility", "climate_adaptation", "workforce"} <= set(taxonomy.flag_labels)
    for lang in ("en", "fi", "sv"):
        assert all(any(e.group == t and e.lang == lang for e in taxonomy.entries) for t in taxonomy.theme_ids)


def test_error_names_line_for_non_list_terms():
    text = VALID_THEME + "  T9:\n    labels: {en: New, fi: Uusi, sv: Ny}\n    terms:\n      fi: kaivos\n"
    with pytest.raises(TaxonomyError) as error:
        parse_taxonomy(text)
    assert "taxonomy.yaml line 9: theme T9 term list 'fi' must be a list of strings" in str(error.value)


def test_error_names_line_for_missing_label_and_bad_id():
    text = VALID_THEME + "  X2:\n    labels: {en: New}\n    terms:\n      en: [thing]\n"
    with pytest.raises(TaxonomyError) as error:
        parse_taxonomy(text)
    message = str(error.value)
    assert "line 6: theme id 'X2' must look like T1" in message
    assert "line 7: theme X2 labels need a 'fi' text" in message


def test_invalid_yaml_reports_line():
    with pytest.raises(TaxonomyError, match=r"taxonomy.yaml line \d+: not valid YAML"):
        parse_taxonomy("themes:\n  T1:\n    labels: [unclosed\n")


def test_added_theme_is_used_without_code_change(tmp_path):
    from euradar.nlp.matching import TermIndex

    taxonomy = parse_taxonomy(VALID_THEME)
    index = TermIndex(taxonomy, "fi")
    assert index.candidates("kaivoksella") == frozenset({"kaivos"})
    assert index.candidates("kaivosteollisuuden") == frozenset({"kaivos"})  # a compound part
    assert index.candidates("kaivo") == frozenset()


def test_defining_terms_and_ignore_phrases_are_validated_and_loaded():
    text = ("themes:\n  T1:\n    labels: {en: Industry, fi: Teollisuus, sv: Industri}\n"
            "    defining_terms:\n      en: [circular economy]\n    terms:\n      en: [waste]\n"
            "ignore:\n  en: [waste of time]\n")
    taxonomy = parse_taxonomy(text)
    strengths = {(e.kind, e.term): e.strength for e in taxonomy.entries}
    assert strengths[("theme", "circular economy")] == "defining"
    assert ("ignore", "waste of time") in strengths
    assert taxonomy.term_weights["defining"] > taxonomy.term_weights["core"]
    with pytest.raises(TaxonomyError) as error:
        parse_taxonomy(text + "  xx: [zzz]\n")
    assert "line 10: ignore term language 'xx' is not one of en, fi, sv, any" in str(error.value)
