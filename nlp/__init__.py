"""euradar NLP: Lapland smart-specialisation theme tagging in English, Finnish and Swedish.

Public API: ``get_tagger()`` returns the cached ``Tagger`` (``tag`` and ``analyse``);
``euradar.nlp.normalize.index_tokens`` and ``query_word_forms`` normalise text for the search
indexes and subscription keywords; ``euradar.nlp.morphology`` analyses Finnish (Voikko),
Swedish and English words.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the real imports stay lazy: importing the tagger loads spaCy
    from euradar.nlp.tagger import Tagger

__all__ = ["get_tagger", "Tagger"]


@lru_cache(maxsize=1)
def get_tagger() -> Tagger:
    """Return the process-wide Tagger, building the spaCy pipeline on first call only."""
    from euradar.nlp.morphology import preload
    from euradar.nlp.tagger import Tagger, build_pipeline

    preload()  # the first Swedish or English text would otherwise wait for its dictionary
    return Tagger(build_pipeline())


def __getattr__(name: str) -> type[Tagger]:
    # Lazy so that "import nlp" stays cheap for callers that only need the search normalisation.
    if name == "Tagger":
        from euradar.nlp.tagger import Tagger

        return Tagger
    raise AttributeError(name)
