import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def tagger():
    from euradar.nlp import get_tagger

    return get_tagger()
