"""The in-memory fake (tests/memory.py) implements every method of the ports it stands in for, so a port
method added for the SQL store (e.g. the maintained coverage rows) cannot be forgotten in the fake."""
from __future__ import annotations

import inspect

from memory import MemoryMetadataStore, MemoryTransaction
from streamvisor.domain.ports import MetadataStore, TaskTransaction
from streamvisor.store.sql import SqlMetadataStore, SqlTransaction


def _methods(protocol) -> set[str]:
    return {name for klass in protocol.__mro__ if klass.__module__ == "streamvisor.domain.ports"
            for name, value in vars(klass).items() if inspect.isfunction(value) and not name.startswith("_")}


def test_the_fakes_and_the_sql_store_implement_every_port_method():
    for protocol, implementations in ((TaskTransaction, (MemoryTransaction, SqlTransaction)),
                                      (MetadataStore, (MemoryMetadataStore, SqlMetadataStore))):
        wanted = _methods(protocol)
        assert "add_published_ranges" in wanted or protocol is MetadataStore
        for implementation in implementations:
            missing = sorted(m for m in wanted if not callable(getattr(implementation, m, None)))
            assert missing == [], f"{implementation.__name__} lacks {missing}"
