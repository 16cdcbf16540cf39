"""Answers of hot read endpoints, serialised once.

A route that returns a model makes FastAPI validate it against the ``response_model`` again
and then serialise it (two passes over data the handler just built from validated state).
The hot reads return their model's JSON as it is; the route keeps its ``response_model`` so
the OpenAPI document, and the fuzzing that checks answers against it, stay the same.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    return Response(
        model.__pydantic_serializer__.to_json(model), status_code=status_code, media_type="application/json"
    )
