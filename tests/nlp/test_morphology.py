"""Word analysis (Voikko for Finnish, simplemma + compound splitting for Swedish) and the search
contract (index_tokens, query_word_forms), including concurrent use from many threads."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from euradar.nlp import morphology
from euradar.nlp.morphology import analyse, finnish_backend
from euradar.nlp.normalize import index_tokens, nordic_spellings, query_word_forms, word_forms

needs_voikko = pytest.mark.skipif(finnish_backend() != "voikko",
                                  reason=f"Voikko not installed ({finnish_backend()}); test.sh installs it")


@needs_voikko
@pytest.mark.parametrize("word, lemma, parts", [
    ("vedyn", "vety", set()),
    ("vetytalouden", "vetytalous", {"vety", "talous"}),
    ("kiertotalouden", "kiertotalous", {"kierto", "talous"}),
    ("metsien", "metsä", set()),
    ("Rovaniemellä", "rovaniemi", set()),
    ("matkailun", "matkailu", set()),
    ("valmiusharjoituksessa", "valmiusharjoitus", {"valmius", "harjoitus"}),
    ("liikenteenohjauslaitteet", "liikenteenohjauslaite",
     {"liikenne", "ohjaus", "laite", "liikenteenohjaus", "ohjauslaite"}),
    ("Sodankylän", "sodankylä", set()),        # a place name is not split into sota + kylä
    ("Keminmaalla", "keminmaa", set()),        # ... nor into Kemi + maa
    ("Interregin", "interreg", set()),         # unknown to Voikko: a stem
])
def test_finnish_lemmas_and_compound_parts(word, lemma, parts):
    analysis = analyse(word, "fi")
    assert analysis.lemmas[0] == lemma
    assert set(analysis.parts) == parts


@pytest.mark.parametrize("word, lemma, parts", [
    ("vätgasen", "vätgas", set()),
    ("Sveriges", "sverige", set()),
    ("gruvindustrin", "gruvindustri", {"gruva", "industri"}),
    ("beredskapsövningen", "beredskapsövning", {"beredskap", "övning"}),   # linking s, not "sövning"
    ("vindkraftsparken", "vindkraftspark", {"vindkraft", "park"}),
    ("kommunerna", "kommun", set()),
    ("samverkan", "samverkan", set()),         # a known simple word is not cut into sam + verkan
])
def test_swedish_lemmas_and_compound_parts(word, lemma, parts):
    analysis = analyse(word, "sv")
    assert analysis.lemmas[0] == lemma
    assert set(analysis.parts) == parts


@pytest.mark.parametrize("word, readings", [
    ("järnvägar", {"järnvägare", "järnväg"}),  # railways, though the dictionary says "railwayman"
    ("kommuner", {"kommun"}),              # the dictionary is right: no second reading
    ("spelar", {"spela"}),                 # a present-tense verb is not read as the noun "spel"
    ("sommar", {"sommar"}),                # "-ar" that is no ending: "somm" is no word
])
def test_swedish_plurals_keep_the_plain_noun_as_a_reading(word, readings):
    assert set(analyse(word, "sv").lemmas) == readings
    if len(readings) > 1:  # a query for the inflected word stands for every reading
        assert readings <= set(query_word_forms(word))


@pytest.mark.parametrize("text, name", [
    ("Rovaniemis flygplats byggs ut", "Rovaniemi"),   # names the Swedish dictionary lacks
    ("Övertorneås kommun", "Övertorneå"),
    ("Sápmis språk", "Sápmi"),
])
def test_swedish_genitive_of_an_unknown_name_is_found_by_the_name(text, name):
    assert set(query_word_forms(name)) & set(index_tokens(text, "sv"))


@pytest.mark.parametrize("typed, meant", [
    ("Sodankyla", "sodankylä"), ("Lulea", "luleå"), ("raddningstjanst", "räddningstjänst"),
    ("Ostersund", "östersund"), ("kayttaja", "käyttäjä"), ("metsa", "metsä"),
    ("beredskapsovning", "beredskapsövning"), ("vatgasproduktion", "vätgasproduktion"),  # compounds
])
def test_a_word_typed_without_nordic_letters_stands_for_the_word_with_them(typed, meant):
    assert meant in query_word_forms(typed)
    assert nordic_spellings(typed.lower()) == [meant]  # and for no other spelling


@pytest.mark.parametrize("word", ["saa", "alta", "Lapissa", "hydrogen", "Haparanda", "vätgas"])
def test_a_word_some_language_knows_as_typed_gets_no_nordic_guesses(word):
    assert nordic_spellings(word.lower()) == []


def test_a_name_ending_in_s_keeps_its_own_form_first():
    assert analyse("Rovaniemis", "sv").lemmas[0] == "rovaniemis"
    assert analyse("flygplats", "sv").lemmas == ("flygplats",)  # a known word is not cut


@pytest.mark.parametrize("word, parts", [
    ("vintertestverksamheten", {"vinter", "test", "verksamhet", "vintertest", "testverksamhet"}),
    ("kraftverket", {"kraft", "verk"}),    # nouns the dictionary alone reads as "testa", "verka"
])
def test_swedish_compound_heads_that_look_like_verbs_stay_nouns(word, parts):
    assert set(analyse(word, "sv").parts) == parts


@needs_voikko
@pytest.mark.parametrize("word, part", [
    ("kehittämisrahaa", "kehittäminen"),   # Voikko gives the verb "kehittää"
    ("kansainvälistymisapua", "kansainvälistyminen"),  # Voikko gives the bare "kansainvälistymis"
])
def test_finnish_minen_modifiers_are_read_as_their_noun(word, part):
    assert part in analyse(word, "fi").parts


def test_english_lemmas_keep_renewed_apart_from_renewables():
    assert analyse("renewed", "en").lemmas == ("renew",)
    assert analyse("renewables", "en").lemmas == ("renewable",)


@needs_voikko
def test_index_tokens_keep_one_main_form_per_word_then_the_parts():
    tokens = index_tokens("Kestävän vetytalouden kehittäminen Rovaniemellä", "fi")
    assert tokens[:4] == ["kestävä", "vetytalous", "kehittää", "rovaniemi"]
    assert tokens[4:] == ["vety", "talous"]


@needs_voikko
def test_query_word_forms_cover_every_language():
    assert {"vety"} <= set(query_word_forms("vedyn"))
    assert "vettyä" not in query_word_forms("vety")   # a base form stands for itself
    assert "vätgas" in query_word_forms("vätgasen")
    assert "hydrogen" in query_word_forms("hydrogen") and "hydrogen" in query_word_forms("Hydrogens")
    assert query_word_forms("EU-rahoituksen") == query_word_forms("rahoituksen")
    assert query_word_forms("...") == ()
    for word in ("vety", "vedyn", "metsien", "Sverige", "vätgasen", "testing"):
        # a word always finds itself, in whatever language the item is written
        for lang in ("fi", "sv", "en"):
            assert set(query_word_forms(word)) & set(index_tokens(word, lang)), (word, lang)


def test_other_languages_are_indexed_as_lower_cased_words():
    assert index_tokens("Dostawa sprzętu komputerowego", "pl") == ["dostawa", "sprzętu", "komputerowego"]
    assert "dostawa" in query_word_forms("Dostawa")


TEXTS = [
    ("Vedyn tuotanto ja kiertotalous etenevät Rovaniemellä; metsien käyttö ja matkailun kehittäminen.", "fi"),
    ("Vätgasen lagras i norra Sverige och beredskapsövningen samlade kommunerna.", "sv"),
    ("Renewable hydrogen valleys and recycling of critical raw materials in the Arctic.", "en"),
    ("Kaivosteollisuuden sivuvirrat, liikenteenohjauslaitteet ja valmiusharjoitukset Lapissa.", "fi"),
    ("Gruvindustrin och vindkraftsparken i Norrbotten behöver kompetensförsörjning.", "sv"),
]


def _vocabulary() -> list[tuple[str, str]]:
    """Many distinct words, so the analysers (not the caches) do the work in every thread."""
    stems = ["test", "recycl", "hydrogen", "energ", "industr", "innovat", "cluster", "develop", "region",
             "vety", "metsä", "kaivos", "matkailu", "talous", "gruv", "skog", "vätgas", "kommun"]
    endings = ["", "s", "ing", "ed", "ation", "ational", "ness", "ity", "en", "ssa", "lla", "ista",
               "ien", "erna", "arna", "ens", "ly", "ments"]
    words = [s + e for s in stems for e in endings]
    return [(w, lang) for w in words for lang in ("en", "fi", "sv")]


def test_normalisation_from_many_threads_equals_single_threaded():
    vocabulary = _vocabulary()
    analyse.cache_clear()
    word_forms.cache_clear()
    expected_words = [word_forms(w, lang) for w, lang in vocabulary]
    expected_texts = [index_tokens(text, lang) for text, lang in TEXTS]
    start = threading.Barrier(8)

    def work(seed: int) -> tuple[list[tuple[str, ...]], list[list[str]]]:
        start.wait()
        got: dict[tuple[str, str], tuple[str, ...]] = {}
        for _ in range(4):
            # Cold caches: every thread runs Snowball, Voikko and simplemma at the same time.
            analyse.cache_clear()
            word_forms.cache_clear()
            for w, lang in vocabulary[seed * 37 % len(vocabulary):] + vocabulary[:seed * 37 % len(vocabulary)]:
                got[(w, lang)] = word_forms(w, lang)
        texts = [index_tokens(text, lang) for text, lang in TEXTS]
        return [got[key] for key in vocabulary], texts

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(pool.map(work, range(8)))
    finally:
        sys.setswitchinterval(interval)
    for words, texts in outcomes:
        assert words == expected_words
        assert texts == expected_texts


def test_stateful_analysers_are_per_thread():
    seen: dict[str, object] = {}

    def grab(name: str) -> None:
        morphology.stem("testing", "en")
        seen[name] = morphology._local.stemmers["en"]

    threads = [threading.Thread(target=grab, args=(f"t{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in seen.values()}) == 3
