"""EU call texts carry template text that says nothing about the subject (issue 11, third round):
the Funding & Tenders portal's help lines under every topic, TRL definitions, policy names in a
list of relevant policies, abbreviations and idioms that look like theme words. Sentences are ours;
the portal help line is the fixed text the portal prints under every topic."""

from __future__ import annotations

PORTAL_HELP = ("National Contact Points (NCPs) - get guidance, practical information and assistance on participation "
               "in Horizon Europe. Enterprise Europe Network - contact your EEN national contact for advice to "
               "businesses with special focus on SMEs. The support includes guidance on the EU research funding. "
               "Partner Search help you find a partner organisation for your proposal.")


def _evidence(tagger, title, text, lang="en"):
    doc = next(iter(tagger._docs([{"id": "x", "title": title, "text": text, "lang": lang}])))
    return {(m.entry.group, m.entry.term.lower()) for m in doc._.matches if m.entry.kind == "theme"}


def _themes(tagger, title, text, lang="en"):
    return {t["id"] for t in tagger.analyse({"id": "x", "title": title, "text": text, "lang": lang})["themes"]}


def test_portal_help_lines_are_not_cluster_or_sme_evidence(tagger):
    text = ("Proposals will develop new diagnostic tools for rare paediatric diseases and test them with "
            "hospitals in three member states. " + PORTAL_HELP)
    assert not any(theme == "T8" for theme, _ in _evidence(tagger, "Rare disease diagnostics", text))
    assert "T8" not in _themes(tagger, "Rare disease diagnostics", text)
    # the same names outside the help line still count
    own = "The Enterprise Europe Network offers partner search and matchmaking to SMEs in Lapland."
    assert "T8" in _themes(tagger, "Support for SMEs", own)


def test_trl_statements_are_not_a_test_environment(tagger):
    text = ("Applicants must show that the technology has been tested and validated in a laboratory and other "
            "relevant environment, at least Technology Readiness Level 5, before the grant is signed.")
    evidence = _evidence(tagger, "Accelerator for deep-tech companies", text)
    assert ("T4", "laboratory") not in evidence
    assert "T4" not in _themes(tagger, "Accelerator for deep-tech companies", text)


def test_abbreviations_and_idioms_are_not_theme_words(tagger):
    article = _evidence(tagger, "Regulation", "Under Art. 13 of the Regulation, costs are eligible.")
    assert not any(theme == "T7" for theme, _ in article)
    assert any(theme == "T7" for theme, _ in _evidence(tagger, "Works", "Contemporary art from the north is shown."))
    assert not any(t == "T5" for t, _ in _evidence(tagger, "Loans", "Guarantees are a last resort for lenders."))
    assert not any(t == "T7" for t, _ in _evidence(tagger, "Agencies", "Agencies act in concert with ministries."))


def test_english_programme_and_policy_vocabulary(tagger):
    cases = {
        "T3": ("Energy poverty", "Municipalities plan measures against energy poverty and for energy savings in "
                                 "homes, with wind turbines and photovoltaics owned by residents."),
        "T6": ("First responders", "The project equips first responders with early warning systems and improves "
                                   "disaster response in remote villages."),
        "T7": ("Cultural operators", "Cultural operators and news media cooperate on literary translation and "
                                     "journalism across borders."),
        "T2": ("Seafood", "Small fishery businesses improve fish stocks monitoring and seafood processing."),
    }
    for theme, (title, text) in cases.items():
        assert theme in _themes(tagger, title, text), (theme, text)


def test_a_context_rule_holds_for_every_term_with_the_same_base_form(tagger):
    # the rules are written for "art", "resort" and "defence"; "arts", "resorts" and "defense"
    # are terms of their own and obey the same rules
    from euradar.nlp.matching import ContextRuleSet
    from euradar.nlp.taxonomy import load_taxonomy

    rules = ContextRuleSet(load_taxonomy(None))
    assert rules._rule_for("arts", "en") == rules._rule_for("art", "en") is not None
    assert rules._rule_for("resorts", "en") == rules._rule_for("resort", "en") is not None
    assert rules._rule_for("defense", "en") == rules._rule_for("defence", "en") is not None
    assert not any(t == "T6" for t, _ in _evidence(tagger, "Biology", "Plants build an immune defense against fungi."))
    assert any(t == "T6" for t, _ in _evidence(tagger, "Industry", "Suppliers to the defense industry grow."))


def test_terms_named_only_in_a_list_of_examples_weigh_less(tagger):
    from euradar.nlp.scoring import example_list_spans

    text = ("The pilot covers sectors such as tourism, forestry, mining and energy. Work packages follow. "
            "Tourism businesses in the region develop services for visitors.")
    spans = example_list_spans(text)
    assert len(spans) == 1
    listed = text[spans[0][0]:spans[0][1]]
    assert "mining" in listed and "visitors" not in listed
    # no enumeration: "such as" before a single example is not a list
    assert example_list_spans("Materials such as recycled steel are used in the new hall.") == []
    scorer = tagger.nlp.get_pipe("euradar_theme_scorer")
    assert scorer.settings.list_factor < 1.0
    doc = next(iter(tagger._docs([{"id": "x", "title": "Regional pilot", "text": text, "lang": "en"}])))
    listed_only = doc._.theme_scores["T1"]   # "mining" appears only inside the list
    own_subject = next(iter(tagger._docs([{"id": "y", "title": "Regional pilot", "lang": "en", "text": text.replace(
        "such as tourism, forestry, mining and energy", "of the region") + " Mining companies invest too."}])))
    assert 0 < listed_only < own_subject._.theme_scores["T1"]


def test_computing_architecture_and_trl_levels_are_not_design_or_test_sites(tagger):
    text = ("The action develops a reference architecture and a software architecture for secure cloud platforms, "
            "reaching TRL 6 (technology demonstrated in relevant environment) and TRL 7 (system prototype "
            "demonstration in operational environment).")
    evidence = _evidence(tagger, "Cloud platforms", text)
    assert not any(theme == "T7" for theme, _ in evidence)
    assert ("T4", "operational environment") not in evidence
    assert ("T4", "demonstration") not in evidence
    assert any(theme == "T7" for theme, _ in _evidence(tagger, "Museum", "An exhibition on Nordic architecture opens."))


def test_english_eu_call_vocabulary_of_every_theme(tagger):
    # Each sentence names its theme with vocabulary of EU programmes and policies (our own sentences);
    # the listed terms must be read as evidence of that theme, and the theme assigned.
    cases = {
        "T1": ("Projects apply the Batteries Regulation and improve repairability and resource recovery of primary "
               "raw materials in circular value chains.", {"batteries regulation", "repairability", "resource recovery"}),
        "T2": ("The Rural Pact and the long-term vision for rural areas support smart farming and timber construction "
               "in rural municipalities.", {"rural pact", "smart farming", "timber construction"}),
        "T3": ("The power sector must cut emissions: sector coupling, power-to-gas and deep renovation of the "
               "building stock lower energy demand.", {"power sector", "sector coupling", "deep renovation"}),
        "T4": ("Open innovation test beds offer pilot-scale testing infrastructure and field demonstrations in "
               "winter conditions.", {"pilot-scale", "open innovation test bed", "winter conditions"}),
        "T6": ("The call on fighting crime and terrorism funds maritime security, protection of public spaces and "
               "military mobility.", {"maritime security", "protection of public spaces", "military mobility"}),
        "T7": ("Musicians, writers and craftspeople work at heritage sites with the European Heritage Label.",
               {"musicians", "craftspeople", "european heritage label"}),
        "T8": ("European Strategic Cluster Partnerships support business internationalisation and startup support "
               "in macro-regional strategies.", {"business internationalisation", "macro-regional strategies"}),
    }
    for theme, (text, terms) in cases.items():
        evidence = _evidence(tagger, "Call 2026", text)
        assert {(theme, term) for term in terms} <= evidence, (theme, terms - {t for g, t in evidence if g == theme})
        assert theme in _themes(tagger, "Call 2026", text), (theme, text)
