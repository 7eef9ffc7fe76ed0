"""The contract suites on the embedded backends."""

from __future__ import annotations

import pytest

from euradar.infra.bus.memory import MemoryBus
from euradar.infra.bus.sqlite import SqliteBus
from euradar.infra.index.embedded import EmbeddedIndex
from tests.contract.bus_contract import BusContract
from tests.contract.index_contract import IndexContract
from tests.contract.store_contract import StoreContract


class TestMemoryBus(BusContract):
    @pytest.fixture
    def bus(self):
        return MemoryBus()


class TestSqliteBus(BusContract):
    @pytest.fixture
    def bus(self, tmp_path):
        b = SqliteBus(f"sqlite:///{tmp_path}/bus.db")
        yield b
        b.close()


class TestEmbeddedIndexInMemory(IndexContract):
    @pytest.fixture
    def index(self):
        return EmbeddedIndex("memory://")


class TestEmbeddedIndexOnDisk(IndexContract):
    @pytest.fixture
    def index(self, tmp_path):
        i = EmbeddedIndex(f"sqlite:///{tmp_path}/index.db")
        yield i
        i.close()


class TestSqliteStoreOnDisk(StoreContract):
    @pytest.fixture
    def store_url(self, tmp_path):
        return f"sqlite:///{tmp_path}/store.db"

    @pytest.fixture
    def store(self, store_url):
        from euradar.infra.store.sqlite import SqliteStore

        s = SqliteStore(store_url)
        yield s
        s.close()

    @pytest.fixture
    def store_twin_factory(self, store, store_url):
        from euradar.infra.store.sqlite import SqliteStore

        opened = []

        def twin():
            opened.append(SqliteStore(store_url))
            return opened[-1]

        yield twin
        for s in opened:
            s.close()


class TestSqliteStoreInMemory(StoreContract):
    @pytest.fixture
    def store(self):
        from euradar.infra.store.sqlite import SqliteStore

        return SqliteStore("memory://")
