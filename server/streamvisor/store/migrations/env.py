"""Alembic environment: migrations run on the connection the server hands in (see store.engine)."""
from alembic import context

from streamvisor.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
