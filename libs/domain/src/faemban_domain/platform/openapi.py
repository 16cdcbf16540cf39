"""The OpenAPI document as clients need it: who may call (bearer JWT) and what errors look like.

FastAPI documents its own validation-error shape and only the success status;
every Faemban error is RFC 9457 problem+json (``problems.py``). This rewrites
each ``/v1/`` operation's error responses to the ``Problem`` schema with the
statuses it can answer, and declares the bearer scheme, so generated clients
and contract fuzzing see the API that runs.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from faemban_domain.platform.problems import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each bad field (row and column for imports)",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
ERRORS = {
    "400": "the body cannot be parsed (not JSON, not multipart)",
    "401": "no valid bearer token",
    "403": "the token lacks the role, or the area filter lies outside its areas",
    "404": "no such resource, or one the caller may not see",
    "409": "the resource changed meanwhile or its state forbids this",
    "413": "the body is larger than allowed",
    "422": "invalid input: `errors` names each field",
    "503": "the store is busy with a long write; retry after `Retry-After`",
}
PUBLIC = ("/healthz", "/readyz", "/metrics")


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for unused in ("HTTPValidationError", "ValidationError"):
            components["schemas"].pop(unused, None)
        components["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "RS256 with claims sub, roles, areas (`faemban token` in development)",
            }
        }
        problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, item in schema.get("paths", {}).items():
            for operation in item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                if path in PUBLIC:
                    operation["security"] = []
                    continue
                operation["security"] = [{"bearer": []}]
                for status, description in ERRORS.items():
                    operation["responses"][status] = {"description": description, "content": problem}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
