from euradar.nlp.extract import extract_call_ids, extract_dates


def test_call_ids():
    text = ("Apply to HORIZON-CL6-2026-01-CIRCBIO-07 or SMP-COSME-2024-CLUSTER-01; see also "
            "DIGITAL-2025-EDIH-AC-07 and INTPA/2023/EA-RP/0177-PIN. Not COVID-19 or CL4-2024.")
    assert extract_call_ids(text) == ["HORIZON-CL6-2026-01-CIRCBIO-07", "SMP-COSME-2024-CLUSTER-01",
                                      "DIGITAL-2025-EDIH-AC-07", "INTPA/2023/EA-RP/0177-PIN"]


def test_dates_in_three_languages():
    assert extract_dates("Haku päättyy 12.3.2026 klo 16.") == ["2026-03-12"]
    assert extract_dates("Hakuaika päättyy 12. maaliskuuta 2026.") == ["2026-03-12"]
    assert extract_dates("Deadline: 12 March 2026, or March 14, 2026.") == ["2026-03-12", "2026-03-14"]
    assert extract_dates("Sista ansökningsdag är 12 mars 2026.") == ["2026-03-12"]
    assert extract_dates("Invalid 31.2.2026 is skipped") == []


def test_eligibility_geography_flags(tagger):
    result = tagger.analyse({"id": "g", "lang": "fi", "title": "Kuntien ja pk-yritysten haku",
                             "text": "Rovaniemellä ja Sodankylässä toimivat kunnat, yliopistot ja järjestöt voivat hakea "
                                     "rahoitusta saamelaisalueen hankkeisiin. Hakuaika päättyy 1.2.2026."})
    assert {"local_authorities", "smes", "research_organisations", "ngos"} <= set(result["eligibility"])
    assert {"Rovaniemi", "Sodankylä"} <= set(result["geography"])
    assert "sami" in result["flags"]
    assert result["dates"] == ["2026-02-01"]
    english = tagger.analyse({"id": "e", "title": "Call for NSPA regions",
                              "text": "Local authorities, SMEs and research organisations in FI1D7 are eligible."})
    assert {"local_authorities", "smes", "research_organisations"} <= set(english["eligibility"])
    assert {"NSPA", "FI1D7"} <= set(english["geography"])
