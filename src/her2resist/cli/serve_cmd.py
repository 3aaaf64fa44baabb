"""``her2resist serve`` (the web service) and ``her2resist users add`` (its accounts).

Examples
--------
::

    her2resist users add ada --data ./h2r-data         # last line: ada's API token
    her2resist serve --data ./h2r-data --port 8000     # pages and API on 127.0.0.1:8000
    her2resist serve --database postgresql+psycopg://h2r@db/h2r --host 0.0.0.0
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from her2resist.cli._common import console, handle_errors
from her2resist.web.config import Settings

if TYPE_CHECKING:
    from her2resist.web.storage import Store

_DATA = typer.Option(Path("her2resist-data"), "--data",
                     help="Folder of the server's SQLite database.")
_DATABASE = typer.Option(None, "--database", help="SQLAlchemy URL of another database, e.g. "
                         "postgresql+psycopg://user@host/db (default: SQLite in --data).")

users_app = typer.Typer(help="Accounts of the web service.", no_args_is_help=True)


def _store(data: Path, database: str | None) -> Store:
    from her2resist.web.storage import Store

    if database is None:
        data.mkdir(parents=True, exist_ok=True)
    return Store(Settings(data_dir=data, database=database).database_url)


@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    data: Path = _DATA,
    database: str | None = _DATABASE,
    max_upload: str = typer.Option("20M", "--max-upload", help="Largest upload: bytes, or "
                                   "with K, M or G (413 above it)."),
    rate_limit: int = typer.Option(300, "--rate-limit", min=1,
                                   help="Requests per minute per token (429 above it)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes that run jobs."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Run jobs on this Dask scheduler (tcp://HOST:PORT) instead "
        "of --workers local processes; its workers must reach the database."),
) -> None:
    """Serve the analyses as pages and a JSON API (OpenAPI at /docs)."""
    from her2resist._optional import require

    for module in ("fastapi", "uvicorn", "sqlalchemy", "jinja2", "multipart"):
        require(module, "web", "her2resist serve")
    import uvicorn

    from her2resist.web.app import create_app
    from her2resist.web.config import parse_size

    if scheduler is not None:
        _check_scheduler(scheduler)
    settings = Settings(data_dir=data, database=database, max_upload=parse_size(max_upload),
                        rate_limit=rate_limit, workers=workers,
                        scheduler=scheduler)
    app = create_app(settings)
    console.print(f"her2resist serving on http://{host}:{port} (data: {data})",
                  highlight=False, markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _check_scheduler(address: str) -> None:
    """Refuse, with a message rather than a traceback, a scheduler that does not answer."""
    from her2resist.common.execution import dask_client
    from her2resist.exceptions import ParameterError

    try:
        dask_client(address, "her2resist serve --scheduler").close()
    except (OSError, ValueError, TimeoutError) as exc:
        raise ParameterError("--scheduler", "her2resist serve",
                             "the address of a running Dask scheduler (tcp://HOST:PORT)",
                             address) from exc


@users_app.command("add")
@handle_errors
def users_add(
    name: str = typer.Argument(..., help="User name: letters, digits, '_', '.', '@', '-'."),
    data: Path = _DATA,
    database: str | None = _DATABASE,
) -> None:
    """Create a user; its API token is printed as the last line (shown only once)."""
    from her2resist._optional import require

    require("sqlalchemy", "web", "her2resist users")
    from her2resist.web.auth import add_user

    user, token = add_user(_store(data, database), name)
    console.print(f"Created user {user.name}; its API token (stored hashed, shown once):",
                  highlight=False, markup=False)
    typer.echo(token)


@users_app.command("list")
@handle_errors
def users_list(data: Path = _DATA, database: str | None = _DATABASE) -> None:
    """List the users."""
    for user in _store(data, database).list_users():
        typer.echo(user.name)


def register(app: typer.Typer) -> None:
    """Add the ``serve`` and ``users`` commands to ``app``."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
