"""RFC 9457 problem+json for every error the API returns.

Bad input is a 4xx naming the field; an unexpected failure is still a
problem document (500) so clients parse one shape.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from faemban_domain.errors import InvalidInput, NotFound, NotPermitted, OutOfScope, StateConflict, Unavailable
from faemban_domain.eventsourcing.store import ConcurrencyError
from faemban_domain.platform.db import database_unreachable

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("faemban.http")


class ProblemError(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.errors = errors
        self.headers = headers


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) if parts else "body"


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            type_=exc.type,
            errors=exc.errors,
            headers=exc.headers,
            instance=request.url.path,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        return problem_response(
            422,
            "Invalid request",
            "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            type_="https://faemban.th/problems/validation",
            errors=errors,
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code,
            str(exc.detail) if exc.status_code != 404 else "Not found",
            str(exc.detail),
            headers=getattr(exc, "headers", None),
            instance=request.url.path,
        )

    @app.exception_handler(ConcurrencyError)
    async def _conflict(request: Request, exc: ConcurrencyError) -> JSONResponse:
        return problem_response(
            409,
            "Concurrent change",
            f"{exc}; reload and retry",
            type_="https://faemban.th/problems/concurrency",
            instance=request.url.path,
        )

    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, exc: InvalidInput) -> JSONResponse:
        conflict = isinstance(exc, StateConflict)
        return problem_response(
            409 if conflict else 422,
            "Not allowed in this state" if conflict else "Invalid input",
            str(exc),
            type_=f"https://faemban.th/problems/{'state' if conflict else 'validation'}",
            errors=[{"field": e.field, "message": e.message} for e in exc.errors],
            instance=request.url.path,
        )

    @app.exception_handler(OutOfScope)
    async def _out_of_scope(request: Request, exc: OutOfScope) -> JSONResponse:
        return problem_response(
            403,
            "Outside your area",
            str(exc),
            type_="https://faemban.th/problems/area-scope",
            instance=request.url.path,
        )

    @app.exception_handler(NotPermitted)
    async def _not_permitted(request: Request, exc: NotPermitted) -> JSONResponse:
        return problem_response(
            403,
            "Not permitted",
            str(exc),
            type_="https://faemban.th/problems/role",
            instance=request.url.path,
        )

    @app.exception_handler(Unavailable)
    async def _unavailable(request: Request, exc: Unavailable) -> JSONResponse:
        return problem_response(
            503,
            "Unavailable on this server",
            str(exc),
            type_="https://faemban.th/problems/unavailable",
            instance=request.url.path,
        )

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem_response(404, "Not found", str(exc), instance=request.url.path)

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> JSONResponse:
        if "database is locked" not in str(exc.orig):
            return await _unexpected(request, exc)
        # the embedded (SQLite) store has one writer: a write waited 60 s behind a long import
        return problem_response(
            503,
            "Busy",
            "another long write (an import) holds the database; retry shortly",
            type_="https://faemban.th/problems/busy",
            headers={"Retry-After": "30"},
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if database_unreachable(exc):
            # the database is away (restarting, failing over, its name not resolving for a
            # moment): a 503 the client may retry (writes carry Idempotency-Key), as /readyz says
            log.warning("http.database_unavailable", path=request.url.path, error=repr(exc)[:300])
            return problem_response(
                503,
                "Database unavailable",
                "the service cannot reach its database just now; retry shortly",
                type_="https://faemban.th/problems/database-unavailable",
                headers={"Retry-After": "5"},
                instance=request.url.path,
            )
        log.exception("http.unhandled", path=request.url.path)
        return problem_response(500, "Internal error", "the error was logged", instance=request.url.path)
