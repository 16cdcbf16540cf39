"""Domain bounds, input types and the platform's hardening, each as a test that can fail."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from faemban_domain import bounds
from faemban_domain.events.contracts import HouseholdRegisteredV1, MemberFacts
from faemban_domain.platform.db import READ_ONLY, make_engine
from faemban_domain.platform.inputs import CEYear, Count, Members, parse_cutoff


class Form(BaseModel):
    members: Members
    elderly: Count = 0
    year: CEYear = 2024


@pytest.mark.parametrize("members", [0, 100, 2**63 - 1, 1e30, "1e400", -1])
def test_members_outside_1_to_99_are_refused(members: object) -> None:
    with pytest.raises(ValidationError) as err:
        Form.model_validate({"members": members})
    assert err.value.errors()[0]["loc"] == ("members",)


def test_thai_digits_and_be_years_are_accepted_in_numbers() -> None:
    form = Form.model_validate({"members": "๕", "elderly": "๒", "year": "๒๕๖๗"})
    assert (form.members, form.elderly, form.year) == (5, 2, 2024)


@pytest.mark.parametrize("year", [99999, 1999, 2600, 10**30, "99999"])
def test_years_outside_the_catalogue_are_refused(year: object) -> None:
    with pytest.raises(ValidationError):
        Form.model_validate({"members": 1, "year": year})


@pytest.mark.parametrize(
    "raw", ["1e999999999", "1e-999999", "1/0", "0", "1.5", "2/1", "-0.4", "nan", "0.1234567"]
)
def test_a_cutoff_is_refused_fast_without_arithmetic_on_its_text(raw: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ValueError):
        parse_cutoff(raw)
    assert time.perf_counter() - started < 1


def test_a_cutoff_is_exact() -> None:
    from fractions import Fraction

    assert parse_cutoff("1/3") == Fraction(1, 3) and parse_cutoff("๐.๔") == Fraction(2, 5)


@pytest.mark.parametrize(
    "value",
    ["", "a b", "H/1", "H\u202e1", "3100700000017", "0812345678", "x" * 41, "-H1", "บ้าน1"],
)
def test_household_ids_have_a_format_and_never_carry_personal_data(value: str) -> None:
    assert bounds.household_id_problem(value) is not None


@pytest.mark.parametrize("value", ["H1", "TP34000000001", "HH-0F3A9C2B11D04E5A", "V-abc"])
def test_household_ids_in_use_are_accepted(value: str) -> None:
    assert bounds.household_id_problem(value) is None


def test_no_event_can_carry_an_out_of_range_value() -> None:
    good = {
        "household_id": "H1",
        "area_code": "34010101",
        "cohort_year": 2019,
        "source": "tpmap",
        "members": 3,
        "welfare_card_holders": 0,
        "elderly": 0,
        "disabled": 0,
        "chronically_ill": 0,
    }
    HouseholdRegisteredV1.model_validate(good)
    for field, value in [
        ("members", 2**63 - 1),
        ("total_income", float("inf")),
        ("total_income", 1e30),
        ("cohort_year", 99999),
        ("household_id", "นางสมร 081-234-5678"),
    ]:
        with pytest.raises(ValidationError):
            HouseholdRegisteredV1.model_validate({**good, field: value})
    with pytest.raises(ValidationError):
        MemberFacts.model_validate({"age": 40, "annual_income": float("nan")})


def _str_fields_without_a_format(model: type[BaseModel], seen: set[type[BaseModel]]) -> list[str]:
    """Fields of type str that are neither an enum, nor patterned, nor marked generated text."""
    if model in seen:
        return []
    seen.add(model)
    found = []
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})

    def walk(node: dict[str, object], where: str) -> None:
        if "$ref" in node:
            walk(defs[str(node["$ref"]).split("/")[-1]], where)  # type: ignore[arg-type]
            return
        for key in ("anyOf", "allOf", "oneOf"):
            for sub in node.get(key, []):  # type: ignore[attr-defined]
                walk(sub, where)
        if node.get("type") == "string" and not (
            "enum" in node or "const" in node or "pattern" in node or "format" in node
        ):
            if not node.get("x-faemban-generated"):
                found.append(where)
        if node.get("type") == "object":
            for name, sub in (node.get("properties") or {}).items():  # type: ignore[attr-defined]
                walk(sub, f"{where}.{name}")
            extra = node.get("additionalProperties")
            if isinstance(extra, dict):
                walk(extra, f"{where}.*")
            names = node.get("propertyNames")
            if isinstance(names, dict):
                walk(names, f"{where}.<key>")
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            walk(node["items"], f"{where}[]")  # type: ignore[arg-type]

    walk(schema, model.__name__)
    return found


def test_no_public_event_has_a_free_text_field() -> None:
    """Reasons and notes stay in their service; an event names them by reference. Every
    string in a current contract is an enum, a patterned id/code, a date-time or text the
    system generates itself (the retired certification-returned.v1 is the one exception)."""
    from faemban_domain.events.contracts import EVENT_TYPES

    free: list[str] = []
    for event_type, contract in EVENT_TYPES.items():
        if event_type == "th.faemban.household.certification-returned.v1":
            continue
        free += _str_fields_without_a_format(contract.model, set())
    assert free == []
    retired = EVENT_TYPES["th.faemban.household.certification-returned.v1"].model
    assert _str_fields_without_a_format(retired, set()) == ["HouseholdCertificationReturnedV1.reason"]


async def test_reads_do_not_wait_for_the_sqlite_write_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite'}")
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE t (v INTEGER)"))
        await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    async with engine.begin() as writer:  # a long import holds the write lock
        await writer.execute(sa.text("INSERT INTO t VALUES (2)"))
        started = time.perf_counter()
        async with engine.connect() as reader:
            await reader.execution_options(**READ_ONLY)
            seen = await asyncio.wait_for(reader.scalar(sa.text("SELECT count(*) FROM t")), 5)
        assert seen == 1 and time.perf_counter() - started < 2  # its snapshot, at once
    await engine.dispose()
