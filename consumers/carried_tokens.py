"""The item's index tokens, carried from the tagger to the indexer and the alerter.

Both of them analyse an item's title and body into index tokens (the indexer to write the
search document, the alerter to match subscription keywords), and the first time a word is
met that means a dictionary look-up (Voikko for Finnish, simplemma for Swedish) in each
process. The tagger has just looked up the same words for tagging, so its caches are warm and
the tokens cost it little; it puts them in the tagged event (schema 1.1, ``search``) and the
two consumers take them instead of analysing again. Measured with bench/bench_pipeline.py,
see the README's pipeline figures.

Safe by construction: the tokens are used only when the consumer's normaliser has the same
fingerprint as the tagger's (a rolling upgrade that changes the morphology analyses afresh)
and only for the exact texts they were made from (:func:`euradar.nlp.normalize.index_tokens`
looks them up by text and language). An event without them is analysed as before.
"""

from __future__ import annotations

from collections.abc import Iterable

from euradar.core.models import Event, Item, SearchTokens
from euradar.core.search_doc import search_texts
from euradar.nlp.normalize import analysis_fingerprint, index_tokens, remember_index_tokens


def tokens_for(item: Item) -> SearchTokens:
    """The index tokens of ``item`` as every index and the keyword matcher would make them."""
    title, body = search_texts(item)
    return SearchTokens(analysis_fingerprint(), tuple(index_tokens(title, item.lang)),
                        tuple(index_tokens(body, item.lang)))


def remember_carried(events: Iterable[Event]) -> int:
    """Hand the tokens the events carry to the normaliser; returns how many events had usable
    ones (made by a normaliser with our fingerprint)."""
    mine = analysis_fingerprint()
    used = 0
    for event in events:
        search = event.search
        if search is None or search.analysis != mine:
            continue
        title, body = search_texts(event.item)
        remember_index_tokens(title, event.item.lang, search.title)
        remember_index_tokens(body, event.item.lang, search.body)
        used += 1
    return used
