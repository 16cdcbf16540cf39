"""HTTP routes of register imports (a fixed API shape: docs/adr/0008)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from faemban_domain.errors import FieldError, InvalidInput, NotFound
from faemban_domain.platform.auth import Principal, require_roles
from faemban_domain.platform.idempotency import Idempotency, IdempotencyKey
from faemban_domain.platform.inputs import CEYear, UuidKey
from faemban_domain.platform.problems import ProblemError
from faemban_registry.entrypoints.dependencies import RegistryService
from faemban_registry.service_layer.import_validation import MAX_ERRORS_KEPT

router = APIRouter(prefix="/v1/imports", tags=["imports"])
Importer = Annotated[Principal, Depends(require_roles("province_officer", "district_officer"))]
MAX_UPLOAD = 512 * 1024 * 1024


class ImportAccepted(BaseModel):
    import_id: str


class ImportErrorOut(BaseModel):
    row: int
    column: str
    message: str


class ImportStatus(BaseModel):
    import_id: str
    status: str
    phase: str
    filename: str
    cohort_year: int | None
    rows_total: int
    rows_done: int
    rows_accepted: int
    rows_rejected: int
    rows_already_registered: int
    errors: list[ImportErrorOut] = Field(description="a page of the file's problems, in row order")
    errors_total: int = Field(description="every problem found (only the first 10,000 are kept)")
    next_errors_offset: int | None = Field(description="where the next page of errors starts")


_CE_YEAR: TypeAdapter[int] = TypeAdapter(CEYear)


@router.post("/tpmap-register", status_code=202, response_model=ImportAccepted)
async def import_tpmap_register(
    principal: Importer,
    registry: RegistryService,
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or TIS-620) or XLSX with a header row")],
    cohort_year: Annotated[
        str | None, Form(max_length=10, description="TPMAP cohort year (CE or BE) for rows without one")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    year: int | None = None
    if cohort_year not in (None, ""):
        try:  # the form field is text (it may be left empty): the year rules are CEYear's
            year = _CE_YEAR.validate_python(cohort_year)
        except ValidationError as exc:
            raise InvalidInput([FieldError("cohort_year", exc.errors()[0]["msg"])]) from None
    runner = registry.imports
    target = runner.new_upload_path()
    size = 0
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while chunk := await file.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
            if size > MAX_UPLOAD:
                out.close()
                target.unlink()
                raise ProblemError(413, "File too large", f"the limit is {MAX_UPLOAD // 2**20} MB")
            out.write(chunk)
    if size == 0:
        target.unlink()
        raise InvalidInput([FieldError("file", "the uploaded file is empty")])
    once = Idempotency.of(idempotency_key, principal.sub, "imports.tpmap-register", digest.hexdigest(), year)
    return await runner.submit(principal, file.filename or "upload", target, year, once)


@router.get("/{import_id}", response_model=ImportStatus)
async def import_status(
    import_id: UuidKey,
    principal: Importer,
    registry: RegistryService,
    errors_offset: Annotated[int, Query(ge=0, le=MAX_ERRORS_KEPT)] = 0,
    errors_limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> Any:
    status = await registry.imports.status(import_id)
    if status is None:
        raise NotFound(f"no import {import_id}")
    scope = status["scope"]
    own = status["requested_by"] == principal.sub
    covers = not scope["admin"] and all(principal.covers(a) for a in scope["areas"])
    if not (own or principal.is_admin or covers):
        raise NotFound(f"no import {import_id}")
    errors = status["errors"]
    end = errors_offset + errors_limit
    status["errors"] = errors[errors_offset:end]
    status["errors_total"] = max(status.get("errors_total") or 0, len(errors))
    status["next_errors_offset"] = end if end < len(errors) else None
    return status
