"""Hardening through the public API, on both stacks: every write records its actor, a retried
creating POST creates one resource, XLSX registers import, hostile files are refused fast
in bounded memory, numbers and ids outside their domain never get in."""

from __future__ import annotations

import asyncio
import io
import struct
import time
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from PIL import Image

from faemban_domain.eventsourcing.tables import event_store
from faemban_domain.platform.db import make_engine
from faemban_domain.testing import eventually

from .conftest import Stack
from .test_family_book_e2e import samorn
from .test_register_e2e import run_import

SUB = "340301"  # a subdistrict of Ubon that no other e2e test certifies
VILLAGE = SUB + "01"


def _headers(
    stack: Stack, roles: list[str], areas: list[str], sub: str, rid: str | None = None
) -> dict[str, str]:
    h = {"Authorization": f"Bearer {stack.token(roles, areas, sub=sub)}", "X-Purpose": "hardening e2e"}
    if rid:
        h["X-Request-ID"] = rid
    return h


def _store_url(stack: Stack, service: str) -> str:
    if stack.kind == "embedded":
        return f"sqlite+aiosqlite:///{(stack.var_dir / f'{service}.sqlite').resolve()}"
    return stack.env[f"{service.upper()}_DATABASE_URL"]


async def _events(stack: Stack, service: str) -> list[dict[str, Any]]:
    engine = make_engine(_store_url(stack, service))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(event_store.c.event_type, event_store.c.metadata))
            return [{"type": r[0], **(r[1] or {})} for r in rows]
    finally:
        await engine.dispose()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (9, 9, 9)).save(out, "PNG")
    return out.getvalue()


async def test_every_api_write_records_its_actor(stack: Stack, tmp_path: Path) -> None:
    """Each write endpoint that records events, called with its own request id: the events it
    wrote name the caller; those a consumer wrote because of them name the consumer."""
    reg, asm = stack.url("registry"), stack.url("assessment")
    team = (["ops_team"], [SUB], "team-actor")
    district = (["district_officer"], ["3403"], "district-actor")
    province = (["province_officer"], ["34"], "province-actor")
    h1, h3 = f"AC-{uuid.uuid4().hex[:10]}", f"AC-{uuid.uuid4().hex[:10]}"
    new = samorn(area_code=VILLAGE)
    h2 = new["household_id"]
    path = tmp_path / "actor.csv"
    from faemban_cli.demo_data import generate, write_csv

    write_csv(generate("34", 3, seed=77), path)
    calls: list[tuple[str, str, str, Any, tuple[list[str], list[str], str]]] = [
        (
            "registry",
            "POST",
            "/v1/households",
            {
                "household_id": h1,
                "area_code": VILLAGE,
                "cohort_year": 2567,
                "source": "tpmap",
                "members": 3,
                "tpmap_failing_indicators": ["income.average_income"],
            },
            team,
        ),
        (
            "registry",
            "POST",
            "/v1/households",
            {
                "household_id": h3,
                "area_code": VILLAGE,
                "cohort_year": 2567,
                "source": "tpmap",
                "members": 3,
                "total_income": 117_000,
                "tpmap_failing_indicators": [],
            },
            team,
        ),
        ("registry", "POST", "/v1/households/new", new, team),
        ("registry", "PUT", f"/v1/households/{h1}/details", {"khok_nong_na": True}, team),
        (
            "registry",
            "POST",
            f"/v1/households/{h2}/members",
            {"member": {"relation": "grandchild", "first_name": "ใหม่", "age": 3}},
            team,
        ),
        ("registry", "POST", f"/v1/households/{h2}/members/M4/leave", {"reason": "moved_out"}, team),
        ("registry", "POST", f"/v1/households/{h2}/head-deceased", {"new_head_member_id": "M2"}, team),
        ("registry", "POST", f"/v1/households/{h1}/field-status", {"field_status": "lives_here"}, team),
        (
            "registry",
            "POST",
            f"/v1/households/{h1}/verification",
            {
                "survey_year": 2567,
                "field_status": "lives_here",
                "household_type": "develop",
                "indicators": {"income.average_income": "confirmed"},
                "members": [
                    {"age": 41, "has_occupation": True, "annual_income": 30000},
                    {"age": 12, "studying": True},
                ],
            },
            team,
        ),
        ("registry", "POST", "/v1/certifications/district", {"subdistrict_code": SUB}, district),
        (
            "registry",
            "POST",
            "/v1/certifications/province",
            {"district_code": "3403", "survey_year": 2024},
            province,
        ),
        ("registry", "POST", f"/v1/households/{h2}/move", {"area_code": SUB + "02"}, team),
        (
            "assessment",
            "POST",
            f"/v1/households/{h3}/assessment/sufficiency",
            {"reason": "พึ่งตนเองได้"},
            district,
        ),
        ("assessment", "POST", "/v1/assessments/reassessments", {"survey_year": 2573, "area": SUB}, province),
    ]
    expected: dict[str, str] = {}
    admin = _headers(stack, ["admin"], [], "admin")
    async with httpx.AsyncClient(timeout=60) as client:
        for service, method, url, body, (roles, areas, sub) in calls:
            rid = f"actor-{uuid.uuid4().hex[:12]}"
            if url.endswith("sufficiency"):  # the household's assessment must exist first

                async def assessed(
                    hid: str = h3, client: httpx.AsyncClient = client, admin: dict[str, str] = admin
                ) -> bool:
                    r = await client.get(f"{asm}/v1/households/{hid}/assessment", headers=admin)
                    return r.status_code == 200

                await eventually(assessed, what="the household assessed")
            r = await client.request(
                method, stack.url(service) + url, json=body, headers=_headers(stack, roles, areas, sub, rid)
            )
            assert r.status_code in (200, 201), f"{method} {url}: {r.status_code} {r.text[:300]}"
            expected[rid] = sub
        rid = f"actor-{uuid.uuid4().hex[:12]}"
        with path.open("rb") as fh:
            r = await client.post(
                f"{reg}/v1/imports/tpmap-register",
                files={"file": ("actor.csv", fh, "text/csv")},
                headers=_headers(stack, *province, rid),
            )
        assert r.status_code == 202, r.text
        import_id = r.json()["import_id"]

        async def imported() -> bool:
            got = await client.get(f"{reg}/v1/imports/{import_id}", headers=_headers(stack, *province))
            return bool(got.json()["status"] == "done")

        await eventually(imported, what="the import done")
        expected[rid] = province[2]
    await asyncio.sleep(0.5)
    written = await _events(stack, "registry") + await _events(stack, "assessment")
    for rid, sub in expected.items():
        mine = [e for e in written if e.get("correlation_id") == rid]
        by_request = [e for e in mine if e.get("causation_id") is None]
        assert by_request, f"request {rid} wrote no event"
        assert {e["actor"] for e in by_request} == {sub}, (rid, by_request)
        assert all(str(e["actor"]).startswith("system:") for e in mine if e.get("causation_id"))
    assert not [e for e in written if e.get("actor") is None and e.get("correlation_id") in expected]


async def test_a_retried_creating_post_creates_one_resource(stack: Stack, tmp_path: Path) -> None:
    reg = stack.url("registry")
    team = _headers(stack, ["ops_team"], [SUB], "team-retry")
    hid = f"ID-{uuid.uuid4().hex[:10]}"
    body = {"household_id": hid, "area_code": VILLAGE, "cohort_year": 2567, "source": "tpmap", "members": 2}
    new = samorn(area_code=VILLAGE)
    member = {"member": {"relation": "child", "first_name": "ซ้ำ", "age": 7}}
    from faemban_cli.demo_data import generate, write_csv

    path = tmp_path / "retry.csv"
    write_csv(generate("34", 2, seed=78), path)
    importer = _headers(stack, ["province_officer"], ["34"], "province-retry")

    def key() -> str:
        return f"retry-{uuid.uuid4().hex}"

    async with httpx.AsyncClient(timeout=60) as client:
        k = key()
        answers = [
            await client.post(f"{reg}/v1/households", json=body, headers={**team, "Idempotency-Key": k})
            for _ in range(2)
        ]
        assert (
            answers[0].status_code == answers[1].status_code == 201 and answers[0].json() == answers[1].json()
        )
        k = key()
        answers = [
            await client.post(f"{reg}/v1/households/new", json=new, headers={**team, "Idempotency-Key": k})
            for _ in range(2)
        ]
        assert answers[0].status_code == answers[1].status_code == 201
        k = key()
        answers = [
            await client.post(
                f"{reg}/v1/households/{new['household_id']}/members",
                json=member,
                headers={**team, "Idempotency-Key": k},
            )
            for _ in range(2)
        ]
        assert answers[0].status_code == answers[1].status_code == 201
        assert answers[0].json()["member_id"] == answers[1].json()["member_id"]
        k = key()
        answers = [
            await client.post(
                f"{reg}/v1/households/{hid}/photos",
                files={"file": ("h.png", _png(), "image/png")},
                data={"kind": "house"},
                headers={**team, "Idempotency-Key": k},
            )
            for _ in range(2)
        ]
        assert answers[0].status_code == answers[1].status_code == 201
        k = key()
        accepted = []
        for _ in range(2):
            r = await client.post(
                f"{reg}/v1/imports/tpmap-register",
                files={"file": ("retry.csv", path.read_bytes(), "text/csv")},
                headers={**importer, "Idempotency-Key": k},
            )
            assert r.status_code == 202, r.text
            accepted.append(r.json()["import_id"])
        assert accepted[0] == accepted[1]
        household = (await client.get(f"{reg}/v1/households/{hid}", headers=team)).json()
        assert household["version"] == 1  # registered once
        photos = (await client.get(f"{reg}/v1/households/{hid}/photos", headers=team)).json()
        assert len(photos) == 1
        again = (await client.get(f"{reg}/v1/households/{new['household_id']}", headers=team)).json()
        assert again["version"] == 4  # registered + details + verified, once; one member added
        assert len(again["members"]) == 4


async def test_an_xlsx_register_imports_through_the_api(stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    stack.cli(
        "demo-data", "--province", "49", "--households", "5", "--xlsx", "--out", str(path), "--seed", "41"
    )
    renamed = tmp_path / "upload"  # no suffix: the content decides
    renamed.write_bytes(path.read_bytes())
    async with httpx.AsyncClient(timeout=60) as client:
        status = await run_import(stack, client, renamed, ["49"])
    assert status["status"] == "done", status["errors"][:5]
    assert status["rows_accepted"] == 5 and status["errors_total"] == 0


async def test_numbers_ids_and_cutoffs_outside_their_domain_are_refused_at_the_door(stack: Stack) -> None:
    reg, asm = stack.url("registry"), stack.url("assessment")
    team = _headers(stack, ["ops_team"], [SUB], "team-bounds")
    base = {"area_code": VILLAGE, "cohort_year": 2567, "source": "tpmap", "members": 3}
    async with httpx.AsyncClient(timeout=30) as client:
        for field, value in [
            ("members", 2**63 - 1),
            ("members", 1e30),
            ("elderly", 100),
            ("cohort_year", 99999),
            ("total_income", 1e12),
            ("household_id", "3100700000017"),
            ("household_id", "นางสมร 0812345678"),
            ("household_id", "H/1"),
        ]:
            r = await client.post(f"{reg}/v1/households", json={**base, field: value}, headers=team)
            assert r.status_code == 422, (field, value, r.status_code)
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["errors"][0]["field"] == field
        r = await client.post(
            f"{reg}/v1/households",
            content=b'{"members": 1e400}',
            headers={**team, "Content-Type": "application/json"},
        )
        assert r.status_code == 422
        analyst = _headers(stack, ["analyst"], ["34"], "analyst-bounds")
        for k in ("1e999999999", "1e-999999", "0", "2"):
            started = time.perf_counter()
            r = await client.get(
                f"{asm}/v1/assessments/summary", params={"area": "34", "k": k}, headers=analyst
            )
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "k"
            assert time.perf_counter() - started < 1
        r = await client.get(
            f"{asm}/v1/assessments/summary", params={"area": "34", "k": "1/3"}, headers=analyst
        )
        assert r.status_code == 200
        r = await client.get(
            f"{reg}/v1/households/H1", headers=_headers(stack, ["ops_team"], [""], "empty-area")
        )
        assert r.status_code == 401  # an empty grant is not nationwide
        r = await client.get(
            f"{stack.url('reporting')}/v1/reports/verification-progress",
            params={"area": "34", "survey_year": 99999},
            headers=analyst,
        )
        assert r.status_code == 422
        unsafe = "Somorn 081 234 5678 / <b>"
        r = await client.get(
            f"{asm}/v1/assessments/summary",
            params={"area": "34"},
            headers={**analyst, "X-Request-ID": unsafe},
        )
        assert r.status_code == 200 and r.headers["x-request-id"] != unsafe  # a new id, not the text


def _png_declaring(side: int) -> bytes:
    """A PNG of a few kilobytes whose header declares side × side pixels, all of them written
    (a zlib stream of zeros): decoding it would take side² bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer = zlib.compressobj(9)
    row = b"\x00" * (side // 8 + 2)
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _small_xlsx(tmp_path: Path, stack: Stack) -> bytes:
    path = tmp_path / "small.xlsx"
    stack.cli("demo-data", "--province", "34", "--households", "2", "--xlsx", "--out", str(path))
    return path.read_bytes()


def _rewritten(xlsx: bytes, replace: dict[str, Any]) -> bytes:
    """The workbook with some parts replaced (bytes, or a callable writing to the part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        for name in names + [n for n in replace if n not in names]:
            with dst.open(name, "w") as part:
                content = replace.get(name)
                if content is None:
                    part.write(src.read(name))
                elif callable(content):
                    content(part)
                else:
                    part.write(content)
    return out.getvalue()


def _zeros(megabytes: int) -> Any:
    def write(part: Any) -> None:
        chunk = b"<!-- " + b"0" * (1024 * 1024) + b" -->"
        part.write(
            b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        )
        for _ in range(megabytes):
            part.write(chunk)
        part.write(b"<sheetData/></worksheet>")

    return write


def _strings(count: int) -> Any:
    def write(part: Any) -> None:
        part.write(
            b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        )
        for _ in range(count // 10_000):
            part.write(b"<si><t>a</t></si>" * 10_000)
        part.write(b"</sst>")

    return write


DIMENSION_SHEET = (
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1:XFD1048576"/><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>household_id</t></is></c></row>'
    b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    b"</sheetData></worksheet>"
)


async def test_bombs_are_refused_within_2_s_in_bounded_memory(embedded_stack: Stack, tmp_path: Path) -> None:
    stack = embedded_stack
    small = _small_xlsx(tmp_path, stack)
    bombs = {
        "zip": _rewritten(small, {"xl/worksheets/sheet1.xml": _zeros(300)}),
        "dimension": _rewritten(small, {"xl/worksheets/sheet1.xml": DIMENSION_SHEET}),
        "shared strings": _rewritten(small, {"xl/sharedStrings.xml": _strings(6_000_000)}),
    }
    pid = stack.procs["embedded"].pid
    reg = stack.url("registry")
    importer = _headers(stack, ["province_officer"], ["34"], "bomber")
    team = _headers(stack, ["ops_team"], [SUB], "bomber-team")
    hid = f"BB-{uuid.uuid4().hex[:10]}"
    async with httpx.AsyncClient(timeout=60) as client:
        body = {
            "household_id": hid,
            "area_code": VILLAGE,
            "cohort_year": 2567,
            "source": "tpmap",
            "members": 2,
        }
        assert (await client.post(f"{reg}/v1/households", json=body, headers=team)).status_code == 201
        for what, data in bombs.items():
            assert len(data) < 3 * 2**20, (what, len(data))
            before = _rss_mb(pid)
            started = time.perf_counter()
            r = await client.post(
                f"{reg}/v1/imports/tpmap-register", files={"file": ("b.xlsx", data)}, headers=importer
            )
            assert r.status_code == 202
            import_id = r.json()["import_id"]
            status: dict[str, Any] = {}
            while time.perf_counter() - started < 2:
                status = (await client.get(f"{reg}/v1/imports/{import_id}", headers=importer)).json()
                if status["status"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.05)
            took = time.perf_counter() - started
            assert status.get("status") == "failed", (what, status, took)
            assert status["errors"][0]["column"] == "file", status["errors"]
            assert _rss_mb(pid) - before < 100, what
        for side in (13_000, 20_000):
            before = _rss_mb(pid)
            started = time.perf_counter()
            r = await client.post(
                f"{reg}/v1/households/{hid}/photos",
                files={"file": ("p.png", _png_declaring(side))},
                headers=team,
            )
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file", r.text
            assert time.perf_counter() - started < 2
            assert _rss_mb(pid) - before < 100
    uploads = list((stack.var_dir / "registry-imports").glob("*"))
    assert uploads == [] or all(p.stat().st_size < 4 * 2**20 for p in uploads)


async def test_a_body_over_its_bound_is_refused_before_it_is_read(embedded_stack: Stack) -> None:
    team = _headers(embedded_stack, ["ops_team"], [SUB], "big")
    async with httpx.AsyncClient(timeout=60) as client:
        r = await client.post(
            f"{embedded_stack.url('registry')}/v1/households",
            content=b'{"x": "' + b"a" * (3 * 2**20) + b'"}',
            headers={**team, "Content-Type": "application/json"},
        )
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
