"""The SQLAlchemy schema (store/schema.py, what the code queries) and the Alembic migrations (what a
database really gets) agree, on both databases: a column or index added to one and not the other fails
here, not in production."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.schema import metadata


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_migrated_database_matches_the_schema(backend, request):
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    engine = create_store_engine(url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "compare_server_default": False})
            diff = [d for d in compare_metadata(context, metadata) if not _is_alembic_bookkeeping(d)]
        assert diff == [], f"schema.py and the migrations differ: {diff}"
    finally:
        engine.dispose()


def _is_alembic_bookkeeping(diff) -> bool:
    # Alembic's own version table is in the database but, rightly, not in the application's schema.
    return isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == "alembic_version"
