"""`docgen serve`: the report in the browser (Starlette + Jinja2 + htmx, SQLAlchemy + Alembic).

Imported only by the serve command, so the rest of the CLI never loads the web stack.
"""

from .server import data_folder, open_store

__all__ = ["data_folder", "open_store"]
