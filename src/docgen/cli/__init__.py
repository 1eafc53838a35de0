"""The docgen command line: a thin typer skin over the library.

Each command lives in its own module and imports the library only when it runs, so
`docgen --help` stays fast.
"""

from .app import app, main
from . import cmd_check, cmd_completion, cmd_editions, cmd_import, cmd_init, cmd_render, cmd_rollover, cmd_rollup, cmd_serve, cmd_template, cmd_users  # noqa: F401  (registers the commands)
from . import cmd_backup  # noqa: F401,E402  (after serve: listed last, with it)

__all__ = ["app", "main"]
