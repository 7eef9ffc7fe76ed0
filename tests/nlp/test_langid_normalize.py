from euradar.nlp.langid import detect_language, detect_languages
from euradar.nlp.normalize import normalize_for_search


def test_detects_three_languages():
    assert detect_language("Hanke kehittää matkailua ja se on tärkeä koko alueelle, koska kysyntä kasvaa.") == "fi"
    assert detect_language("Projektet ska utveckla turismen och det är viktigt för hela regionen.") == "sv"
    assert detect_language("The project will develop tourism and it is important for the whole region.") == "en"


def test_detects_mixed_text():
    text = ("Hanke on osa ohjelmaa ja se tukee yrityksiä. "
            "The call is open to companies and it is funded by the programme of the region.")
    assert set(detect_languages(text)) == {"fi", "en"}


def test_search_normalisation_finds_inflected_and_compound_forms():
    doc_tokens = set(normalize_for_search("Rengastestauksen kehitys Muoniossa", "fi").split())
    for query in ("testaus", "testauksen", "rengastestaus"):
        assert set(normalize_for_search(query, "fi").split()) & doc_tokens, query
    assert normalize_for_search("Testing tyres", "en") == normalize_for_search("testing tyre", "en")


def test_search_normalisation_is_deterministic_and_detects_language():
    text = "Matkailun kehittäminen Lapissa on tärkeää ja se tukee kasvua."
    assert normalize_for_search(text, None) == normalize_for_search(text, "fi")
    assert normalize_for_search(text, None) == normalize_for_search(text, None)
