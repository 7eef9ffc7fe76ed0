"""Finnish/Swedish inflection and compounds, ambiguous-term rules, scoring behaviour."""


def themes(tagger, title, text, lang=None):
    return {t["id"] for t in tagger.tag([{"id": "x", "title": title, "text": text, "lang": lang}])[0]["themes"]}


def evidence_words(tagger, title, text, theme, lang=None):
    result = tagger.analyse({"id": "x", "title": title, "text": text, "lang": lang})
    return [ev["text"].lower() for t in result["themes"] if t["id"] == theme for ev in t["evidence"]]


def test_finnish_compounds_and_inflections_match_testaus(tagger):
    words = evidence_words(
        tagger, "Talvitestaus kasvaa Muoniossa",
        "Yritys laajentaa rengastestauksen palveluja ja rakentaa uusia testausympäristöjä jäärata-alueelle.",
        "T4", "fi")
    assert "talvitestaus" in words
    assert "rengastestauksen" in words
    assert any(w.startswith("testausympäristö") for w in words)


def test_finnish_inflected_tourism_and_circular_economy(tagger):
    assert "T5" in themes(tagger, "Luontomatkailun kehittäminen",
                          "Hanke parantaa matkailuyritysten valmiuksia ympärivuotiseen matkailuun Itä-Lapissa.", "fi")
    assert "T1" in themes(tagger, "Kiertotalouden ratkaisuja teollisuuden sivuvirroille",
                          "Hankkeessa selvitetään kaivosteollisuuden sivuvirtojen hyödyntämistä ja kierrätystä.", "fi")


def test_swedish_compounds(tagger):
    assert "T4" in themes(tagger, "Vintertestning i norr",
                          "Projektet utvecklar testbanor och däcktestningen på isbanor i Lappland.", "sv")
    assert "T3" in themes(tagger, "Vindkraftsparker och vätgas",
                          "Satsningen gäller förnybar energi, vätgasproduktion och elektrifiering av industrin.", "sv")


def test_data_mining_is_not_mining(tagger):
    text = "The project applies data mining and text mining to social media posts about elections."
    assert "T1" not in themes(tagger, "Data mining for political science", text, "en")
    assert "T1" in themes(tagger, "Sustainable mining in the Arctic",
                          "Mining companies reduce tailings and recover critical raw materials from mine waste.", "en")


def test_horizon_cluster_number_is_not_a_cluster(tagger):
    text = ("This topic is part of Horizon Europe Cluster 4 and Cluster 5. Proposals should develop "
            "new quantum algorithms for chemistry simulations.")
    assert "T8" not in themes(tagger, "Quantum algorithms (Cluster 4)", text, "en")
    assert "T8" in themes(tagger, "Euroclusters for SMEs",
                          "Cluster organisations support the internationalisation of SMEs.", "en")


def test_random_forest_is_not_bioeconomy(tagger):
    assert "T2" not in themes(tagger, "Random forest models", "We train a random forest classifier on hospital data.", "en")


def test_one_incidental_mention_in_long_text_is_not_enough(tagger):
    filler = "The project studies patient pathways in hospitals and the quality of care for older people. " * 12
    text = filler + "Tourism is mentioned once."
    assert "T5" not in themes(tagger, "Patient pathways in elderly care", text, "en")


def test_title_evidence_weighs_more(tagger):
    body = "The call is open to consortia from all member states. " * 3
    in_title = tagger.analyse({"id": "a", "title": "Hydrogen valleys", "text": body})["all_scores"]["T3"]
    in_body = tagger.analyse({"id": "b", "title": "Call for proposals", "text": "Hydrogen valleys. " + body})["all_scores"]["T3"]
    assert in_title > in_body


def test_no_theme_for_unrelated_text(tagger):
    assert themes(tagger, "Migration and asylum statistics",
                  "The Commission published the annual report on asylum applications and returns.", "en") == set()


def test_token_keys_are_worked_out_only_when_read(monkeypatch):
    from euradar.nlp import components
    from euradar.nlp.matching import token_key
    asked: list[str] = []
    monkeypatch.setattr(components, "token_key", lambda text, lang: asked.append(text) or token_key(text, lang))
    keys = components.TokenKeys(["Data", "mining", "ei", "kaivoksia"], "fi")
    assert asked == [] and len(keys) == 4
    assert keys[3] == token_key("kaivoksia", "fi") and keys[-1] == keys[3]
    assert asked == ["kaivoksia"]  # asked once, then remembered
    assert keys[0:2] == [token_key("Data", "fi"), token_key("mining", "fi")]
