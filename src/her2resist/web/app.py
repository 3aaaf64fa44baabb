"""The application factory: API, pages, security headers, limits and error responses.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from her2resist.web.config import Settings
>>> app = create_app(Settings(data_dir=Path(tempfile.mkdtemp())))
>>> sorted(p for p in app.openapi()["paths"] if p.startswith("/api/reports"))
['/api/reports', '/api/reports/{rid}']
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from her2resist import __version__
from her2resist.exceptions import Her2ResistError, InputFileError, UnknownNameError
from her2resist.web.auth import LruCache, RateLimiter, TokenCache
from her2resist.web.config import Settings
from her2resist.web.jobs import JobRunner
from her2resist.web.storage import Store

#: Pages and API: scripts and styles from this server only, nothing framed from elsewhere.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; "
       "object-src 'none'")
#: Stored HTML (reports, figures), shown in sandboxed frames: inline styles, never a script.
DOCUMENT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "frame-ancestors 'self'; sandbox")
#: Swagger UI at /docs loads its script and style from a CDN (it needs the internet).
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "img-src 'self' data: https://fastapi.tiangolo.com")


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before they are parsed or stored."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send, int(declared))
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge(seen)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge as exc:
            if started:
                raise
            await self._refuse(send, exc.size)

    async def _refuse(self, send: Send, size: int) -> None:
        body = json.dumps({"detail": f"the request body ({size} bytes or more) is over the "
                           f"server's upload limit of {self.limit} bytes (--max-upload)"})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body.encode()})


class SecurityHeaders:
    """Add the Content-Security-Policy (unless a response set its own) and related headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
        if path.startswith("/api/"):
            extra.append((b"cache-control", b"no-store"))
        policy = (DOCS_CSP if path in ("/docs", "/redoc") else CSP).encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", policy))
                if b"x-frame-options" not in names:
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


def error_body(exc: Her2ResistError) -> dict[str, Any]:
    """The CLI's message, and where it points: file, line, column, field."""
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, InputFileError):
        body.update(file=exc.path, line=exc.line, column=exc.column, field=exc.field)
    if isinstance(exc, UnknownNameError):
        body.update(field=exc.kind, value=exc.name, suggestions=exc.suggestions)
    return body


def create_app(settings: Settings, *, start_jobs: bool = True) -> FastAPI:
    """A configured application; jobs start with it (``start_jobs``) on startup."""
    from her2resist.web import api, pages, references

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url)
    runner = JobRunner(store, workers=settings.workers, max_attempts=settings.max_attempts,
                       scheduler=settings.scheduler)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if start_jobs:
            runner.start()
        try:
            yield
        finally:
            runner.stop()

    app = FastAPI(title="her2resist", version=__version__, lifespan=lifespan,
                  description="Resistance to HER2-targeted therapy: the her2resist analyses "
                  "as a JSON API. Authenticate with `Authorization: Bearer TOKEN`.")
    app.state.store, app.state.settings, app.state.runner = store, settings, runner
    app.state.limiter = RateLimiter(settings.rate_limit)
    app.state.tokens = TokenCache(ttl=60.0)
    app.state.predictions = LruCache(4096)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(references.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.exception_handler(Her2ResistError)
    async def input_error(_request: Request, exc: Her2ResistError) -> JSONResponse:
        return JSONResponse(error_body(exc), status_code=422)

    @app.exception_handler(pages.LoginRequired)
    async def login_first(request: Request, _exc: pages.LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path in ("/docs", "/redoc"):
            return await http_exception_handler(request, exc)
        return pages.render(request, "error.html", exc.status_code, code=exc.status_code,
                            message=exc.detail)

    app.add_middleware(BodyLimit, limit=settings.max_upload + 64 * 1024)
    app.add_middleware(SecurityHeaders)
    return app
