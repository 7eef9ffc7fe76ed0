"""What the tagger must get right on texts nobody tuned it against (issue 11, second round):
spelling variants, compound parts, idioms and names that are not evidence, ambiguous words that
support but never carry a theme, and the guidelines' settled cases. Sentences are ours."""

from __future__ import annotations

from euradar.nlp.morphology import analyse


def _result(tagger, title, text, lang=None):
    return tagger.analyse({"id": "x", "title": title, "text": text, "lang": lang})


def _themes(tagger, title, text, lang=None):
    return {t["id"] for t in _result(tagger, title, text, lang)["themes"]}


def _evidence_terms(tagger, title, text, lang=None):
    """All theme evidence of the analysed text, assigned or not: {(theme, term)}."""
    doc = next(iter(tagger._docs([{"id": "x", "title": title, "text": text, "lang": lang}])))
    return {(m.entry.group, m.entry.term.lower()) for m in doc._.matches if m.entry.kind == "theme"}


FILLER = ("The steering group met in the spring and agreed on the timetable, the budget lines and the reporting "
          "duties of each partner for the coming period. ")


def test_hyphenated_and_joined_spellings_match_the_same_term(tagger):
    for text in ("Municipalities strengthen cross border co-operation in the north.",
                 "Municipalities strengthen cross-border cooperation in the north.",
                 "Municipalities strengthen crossborder co-operation in the north."):
        assert ("T8", "cross-border cooperation") in _evidence_terms(tagger, "News", text, "en"), text
    # a hyphenated term also finds the word written solid
    assert ("T1", "eco-design") in _evidence_terms(tagger, "Products", "New ecodesign rules for phones.", "en")


def test_a_term_naming_the_whole_word_outranks_one_naming_its_part(tagger):
    evidence = _evidence_terms(tagger, "Päästöt", "Kasvihuonekaasupäästöt vähenivät viime vuonna.", "fi")
    assert ("T3", "kasvihuonekaasu") in evidence or any(t == "T3" for t, _ in evidence)
    assert not any(theme == "T2" for theme, _ in evidence)  # not "kasvihuone", a greenhouse
    tourism = _evidence_terms(tagger, "Matkailu", "Matkailuyritykset palkkaavat kausityöntekijöitä.", "fi")
    assert any(theme == "T5" for theme, _ in tourism)
    assert ("T8", "yritys") not in tourism  # the company is a tourism company here


def test_idioms_and_names_of_programmes_are_not_evidence(tagger):
    chips = _evidence_terms(tagger, "Edge chips", "Proposals use state-of-the-art fabrication and social media "
                            "outreach.", "en")
    assert not any(theme == "T7" for theme, _ in chips)
    life = _evidence_terms(tagger, "LIFE call", "Topics under the sub-programme Circular Economy and Quality of Life "
                           "and the Environment and Climate Action programme.", "en")
    assert ("T1", "circular economy") not in life and ("T3", "climate action") not in life
    erasmus = ("Erasmus+ Cooperation Partnerships allow schools and youth organisations to work with partners "
               "abroad, share networks and build their capacity for international cooperation. ")
    assert "T8" not in _themes(tagger, "Erasmus+ Cooperation Partnerships", erasmus, "en")
    ministry = _evidence_terms(tagger, "Tiedote", "Maa- ja metsätalousministeriö julkaisi tiedotteen.", "fi")
    assert not any(theme == "T2" for theme, _ in ministry)


def test_swedish_noun_terms_are_not_read_as_verbs(tagger):
    # the lemma dictionary reads bare "risk" as the verb "riska"; the term still finds "risken"
    assert ("T6", "risk") in _evidence_terms(tagger, "Olyckor", "Risken för olyckor ökar på vintern.", "sv")
    verbs = _evidence_terms(tagger, "Beslut", "Beslutet kommer att innebära att skolan spelar en större roll.", "sv")
    assert ("T2", "bär") not in verbs and ("T7", "spel") not in verbs


def test_an_interreg_programme_call_is_t8_even_when_named_once(tagger):
    text = ("The fifth call for project proposals of the Interreg Aurora Programme opens in September. "
            + FILLER * 3 + "Applications are submitted in the electronic monitoring system.")
    assert "T8" in _themes(tagger, "Call 5 opens", text, "en")
    text_fi = ("Interreg Pohjoisen ohjelman haku avautuu syyskuussa. Hakemukset jätetään sähköiseen "
               "järjestelmään, ja ohjausryhmä tekee päätökset joulukuussa.")
    assert "T8" in _themes(tagger, "Haku avautuu", text_fi, "fi")
    text_sv = ("Interreg Nord öppnar en ny utlysning i september. Ansökningar lämnas i det elektroniska "
               "systemet och styrkommittén fattar beslut i december.")
    assert "T8" in _themes(tagger, "Ny utlysning", text_sv, "sv")


def test_law_enforcement_and_it_security_alone_are_not_civil_safety(tagger):
    competition = ("Framework contract for expert consultancy services in the context of competition law "
                   "enforcement. Deadline to submit tenders: 14 June.")
    assert "T6" not in _themes(tagger, "Competition law enforcement", competition, "en")
    cyber = ("Small companies face basic cyber security threats and lack dedicated information security staff. "
             "Proposals develop easy-to-use security tools for SMEs and individuals.")
    assert "T6" not in _themes(tagger, "Cyber security for SMEs", cyber, "en")
    critical = ("Proposals improve the protection and preparedness of critical infrastructure such as power grids "
                "and water supply against cyber attacks and natural hazards.")
    assert "T6" in _themes(tagger, "Resilience of critical infrastructure", critical, "en")


def test_horizon_cluster_2_culture_and_creativity_is_design_and_culture(tagger):
    text = ("The Commission mobilised 158 million euro for four calls under Horizon Europe Cluster 2: Culture, "
            "Creativity and Inclusive Society. " + FILLER)
    themes = _themes(tagger, "New research into culture and creativity", text, "en")
    assert "T7" in themes and "T8" not in themes  # "Cluster 2" is a programme part, not a cluster


def test_weak_words_support_a_theme_but_never_carry_it(tagger):
    text = ("Partners build networks and platforms for collaboration, cooperation and innovation between "
            "stakeholders, regions and partnerships, and share competitiveness and entrepreneurship practices. "
            "Internationalisation of activities is encouraged.")
    assert "T8" not in _themes(tagger, "Working together", text, "en")


def test_english_articles_inside_a_term_are_skipped(tagger):
    evidence = _evidence_terms(tagger, "Lapland", "Industry here is built on refining the natural resources.", "en")
    assert ("T1", "refining natural resources") in evidence


def test_voikko_derivation_inside_a_compound_part_keeps_its_letters():
    # WORDBASES "+matkail(matkata)i(+la)+ja(+ja)+määrä(määrä)": the part is "matkailija"
    assert "matkailija" in analyse("matkailijamäärä", "fi").parts
    assert "matkailija" in analyse("matkailijamäärät", "fi").parts


def test_acronyms_are_read_as_written(tagger):
    # the English lemma dictionary reads "ai" as a form of "be": "are" must not be AI
    flags = _result(tagger, "Meeting", "The partners are ready and the results are published.", "en")["flags"]
    assert "digitalisation" not in flags
    assert "digitalisation" in _result(tagger, "AI", "AI tools for municipalities.", "en")["flags"]


# -- Third round (December 2026): vocabulary written from programme and sector knowledge, each
# -- checked on sentences of ours before the held-out folds were scored --------------------------

def test_industrial_language_beyond_mining_words_is_t1(tagger):
    assert "T1" in _themes(tagger, "Flexible and resilient production systems",
                           "Reconfigurable production lines let manufacturers switch products and cut scrap.", "en")
    assert "T1" in _themes(tagger, "Plant to make sponge iron from local ore",
                           "Hydrogen-based direct reduction will supply steelmakers across Europe.", "en")
    assert "T1" in _themes(tagger, "Kaivosyhtiö aloittaa koeporaukset",
                           "Yhtiö etsii nikkeliä ja kuparia talven aikana.", "fi")
    assert "T1" in _themes(tagger, "Gruvbolaget söker tillstånd för ny dagbrottsgruva",
                           "Brytningen av järnmalm kan starta om fem år.", "sv")


def test_packaging_and_villages_alone_are_not_themes(tagger):
    # "packaging" supports T1 only next to other evidence; a village named is not rural development
    assert "T1" not in _themes(tagger, "Tender: packaging and delivery of promotional material",
                               "Printing, packaging and mailing brochures for an information campaign.", "en")
    assert "T2" not in _themes(tagger, "Saamenkielinen teatteriesitys kiertää kyliä",
                               "Esitys perustuu vanhoihin kertomuksiin ja joikuihin.", "fi")


def test_peat_is_no_energy_evidence_by_itself(tagger):
    # peat is a growing substrate as often as a fuel: it supports T3, never carries it
    tomatoes = _result(tagger, "Tomater odlas i torv", "Odlaren byter till ett nytt substrat med "
                       "mindre torv och mer kompost.", "sv")
    assert tomatoes["all_scores"]["T3"] == 0.0
    assert "T3" in _themes(tagger, "Kaukolämpöyhtiö luopuu turpeesta",
                           "Lämpö tuotetaan jatkossa hakkeella ja lämpöpumpuilla.", "fi")


def test_visitors_guests_and_seasons_in_swedish_and_finnish_are_t5(tagger):
    assert "T5" in _themes(tagger, "Rekordmånga utländska gäster i Kiruna",
                           "Hotellen var fullbokade under norrskenssäsongen och hundspannsturerna sålde slut.", "sv")
    assert "T5" in _themes(tagger, "Matkailijoiden määrä kasvoi Inarissa",
                           "Ulkomaiset yöpymiset lisääntyivät joulukuussa.", "fi")


def test_swedish_compound_heads_read_as_nouns_give_their_evidence(tagger):
    # "Vintertestverksamheten": vinter + test + verksamhet, not the verb "testa"
    evidence = _evidence_terms(tagger, "Biltillverkare testar på frusna sjöar",
                               "Vintertestverksamheten i Arjeplog sysselsätter hundratals personer.", "sv")
    assert ("T4", "testverksamhet") in evidence or ("T4", "vintertestverksamhet") in evidence
    assert "T4" in _themes(tagger, "Biltillverkare testar på frusna sjöar",
                           "Vintertestverksamheten i Arjeplog sysselsätter hundratals personer.", "sv")


def test_most_of_our_own_sentences_get_exactly_their_themes(tagger):
    """192 sentences we wrote (tests/fixtures/synthetic_theme_sentences.jsonl). 179 are right
    today; the bar leaves room for the honest borderline ones (a second theme named once) while
    catching a change that loses a family of vocabulary or a language's morphology."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "fixtures" / "synthetic_theme_sentences.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    wrong = [r["id"] for r in rows if _themes(tagger, r["title"], r["text"], r["lang"]) != set(r["themes"])]
    assert len(wrong) <= 14, wrong
    for lang in ("en", "fi", "sv"):
        in_lang = [r for r in rows if r["lang"] == lang]
        assert sum(r["id"] in wrong for r in in_lang) <= 0.15 * len(in_lang), (lang, wrong)
