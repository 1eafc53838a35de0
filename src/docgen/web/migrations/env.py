"""Alembic environment for `docgen serve`: run on start with the server's own connection."""

from alembic import context

from docgen.web import portaldb  # noqa: F401 - registers the portal's tables
from docgen.web.store import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
