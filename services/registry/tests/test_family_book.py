"""ศจพ.2, members, moves, certification and personal data through the handlers (SQLite, unit)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from faemban_domain import campaign, indicators
from faemban_domain.errors import InvalidInput, NotFound, OutOfScope, StateConflict
from faemban_domain.events.contracts import MemberFacts
from faemban_domain.events.envelope import assert_no_personal_data
from faemban_domain.platform.auth import Principal
from faemban_domain.platform.blobs import LocalBlobStore
from faemban_domain.platform.unit_of_work import Transactions
from faemban_domain.testing import published_records
from faemban_registry.adapters import household_index
from faemban_registry.adapters.access_log import AccessLog, AccessLogWriter
from faemban_registry.adapters.event_store import store
from faemban_registry.adapters.household_index import HouseholdIndex
from faemban_registry.adapters.tables import member_personal
from faemban_registry.domain import new_household
from faemban_registry.domain.household import FieldVerification, Household
from faemban_registry.domain.members import Address, Circumstances, HouseholdDetails
from faemban_registry.entrypoints.forms import MemberIn, member_entries
from faemban_registry.service_layer import certification as c
from faemban_registry.service_layer import households as hh
from faemban_registry.service_layer import members as m
from faemban_registry.service_layer.unit_of_work import RegistryUnitOfWork

SUBDISTRICT = "341901"  # a subdistrict of Ubon's Trakan Phuet Phon district (3419)
VILLAGE = SUBDISTRICT + "01"
TEAM = Principal("team-a", frozenset({"ops_team"}), (SUBDISTRICT,))
TEAM_B = Principal("team-b", frozenset({"ops_team"}), ("341902",))
DISTRICT = Principal("district", frozenset({"district_officer"}), ("3419",))
PROVINCE = Principal("province", frozenset({"province_officer"}), ("34",))
CID_SAMORN = "1101700203451"  # valid check digit
A = indicators.rule_set(2025)


def cid(first12: str) -> str:
    from faemban_domain.citizen_id import check_digit

    return first12 + str(check_digit(first12))


def samorn_members() -> list[MemberIn]:
    return [
        MemberIn(
            relation="head",
            title="นาง",
            first_name="สมร",
            last_name="ใจดี",
            citizen_id=cid("310190000001"),
            sex="female",
            age=70,
            elderly_allowance=True,
            welfare_card=True,
            annual_income=8400,  # 700 baht a month
        ),
        MemberIn(relation="child", first_name="สมชาย", sex="male", age=48, physical_status="disabled"),
        MemberIn(relation="grandchild", first_name="เด็กชาย", sex="male", age=14),
    ]


SAMORN_ANSWERS = {
    "health.food_safety": new_household.IndicatorAnswer("met"),
    "health.medicine_use": new_household.IndicatorAnswer("met"),
    "health.exercise": new_household.IndicatorAnswer("met"),
    "living.housing_security": new_household.IndicatorAnswer(sub_items=(False, False)),  # temple land, broken
    "living.drinking_water": new_household.IndicatorAnswer("met"),
    "living.household_water": new_household.IndicatorAnswer("met"),
    "living.tidy_home": new_household.IndicatorAnswer("fails"),
    "education.compulsory": new_household.IndicatorAnswer("fails"),  # grandson out of school
    "education.literacy": new_household.IndicatorAnswer("met"),
    "income.working_age_job": new_household.IndicatorAnswer("met"),  # the son cannot work: excepted
    "income.elderly_income": new_household.IndicatorAnswer("met"),  # allowance counts
    "access.elderly_care": new_household.IndicatorAnswer("met"),
    "access.disabled_care": new_household.IndicatorAnswer("fails"),  # son without care
}


async def register_samorn(registry: Transactions[RegistryUnitOfWork], hid: str = "SAMORN") -> Household:
    entries = member_entries(samorn_members())
    assessed, errors = new_household.evaluate(A, SAMORN_ANSWERS, [e.facts for e in entries])
    assert errors == [] and assessed is not None
    details = HouseholdDetails(
        address=Address(house_no="12", village_name="บ้านโนน", lat=15.2, lon=105.1, phone="0812345678"),
        circumstances=Circumstances(land_tenure="public_land", wish_for_help="urgent"),
    )
    command = hh.RegisterNewHousehold(
        area_code=VILLAGE,
        survey_year=2025,
        source="exclusion_error",
        field_status="lives_here",
        household_type="welfare",
        members=entries,
        answers=SAMORN_ANSWERS,
        details=details,
        household_id=hid,
    )
    household: Household = await registry.run(hh.register_new_household, TEAM, command)
    return household


async def published(engine: AsyncEngine) -> list[dict[str, Any]]:
    return [orjson.loads(r.value) for r in await published_records(engine, store)]


async def test_samorn_fails_income_education_living_access_and_no_name_is_published(
    engine: AsyncEngine, registry: Transactions[RegistryUnitOfWork]
) -> None:
    h = await register_samorn(registry)
    assert h.verification is not None
    failing = {c for c, r in h.verification.indicator_results.items() if r.result == "fails"}
    assert failing == {
        "income.average_income",
        "education.compulsory",
        "living.housing_security",
        "living.tidy_home",
        "access.disabled_care",
    }
    assert {A.indicator(c).dimension for c in failing} == {"income", "education", "living", "access"}
    events = await published(engine)
    assert [e["type"] for e in events] == [
        "th.faemban.household.registered.v1",
        "th.faemban.household.details-recorded.v1",
        "th.faemban.household.verified.v1",
    ]
    for e in events:
        assert_no_personal_data(e["data"])
        text = str(e)
        assert "สมร" not in text and "ใจดี" not in text and "0812345678" not in text and "15.2" not in text
    verified = events[2]["data"]
    assert verified["verification_category"] is None and verified["average_income"] == 2800
    assert events[0]["data"]["source"] == "exclusion_error" and events[0]["data"]["disabled"] == 1


async def test_re_verifying_a_new_household_gives_no_tpmap_category(
    registry: Transactions[RegistryUnitOfWork],
) -> None:
    await register_samorn(registry)
    again = FieldVerification(2025, {}, ("income.average_income",), "lives_here", "welfare", ())
    h = await registry.run(hh.verify_household, TEAM, hh.VerifyHousehold("SAMORN", verification=again))
    assert h.verification is not None and h.verification.verification_category is None
    assert h.verification.indicator_results["income.average_income"].established_by == "new"
    assert len(h.verification.members) == 3  # taken from the family book


async def test_a_person_already_registered_is_not_a_new_household(
    registry: Transactions[RegistryUnitOfWork],
) -> None:
    await register_samorn(registry, "SAMORN")
    with pytest.raises(InvalidInput) as err:
        await register_samorn(registry, "SAMORN-AGAIN")
    assert [e.field for e in err.value.errors] == ["members[0].citizen_id"]


async def test_member_commands_and_head_deceased(
    engine: AsyncEngine, registry: Transactions[RegistryUnitOfWork]
) -> None:
    await register_samorn(registry)
    (baby,) = member_entries(
        [MemberIn(relation="grandchild", first_name="น้อง", age=0, born_in_survey_year=True)],
        whole_household=False,
    )
    h, mid = await registry.run(m.add_member, TEAM, m.AddMember("SAMORN", entry=baby))
    assert mid == "M4" and len(h.roster.members) == 4
    with pytest.raises(InvalidInput) as err:
        await registry.run(m.member_left, TEAM, m.MemberLeaves("SAMORN", member_id="M1", reason="moved_out"))
    assert [e.field for e in err.value.errors] == ["new_head_member_id"]
    h = await registry.run(m.member_left, TEAM, m.MemberLeaves("SAMORN", member_id="M3", reason="moved_out"))
    h = await registry.run(m.head_deceased, TEAM, m.HeadDeceased("SAMORN", new_head_member_id="M2"))
    assert (
        h.head_member_id == "M2"
        and set(h.roster.members) == {"M2", "M4"}
        and h.field_status == "head_deceased"
    )
    assert h.roster.members["M2"].relation == "head"
    async with engine.connect() as conn:
        current = dict(
            (await conn.execute(sa.select(member_personal.c.member_id, member_personal.c.current))).all()
        )
    assert current == {"M1": False, "M2": True, "M3": False, "M4": True}
    types = [e["type"].split(".")[-2] for e in await published(engine)][3:]
    assert types == ["member-added", "member-left", "head-deceased"]
    # the id of a member who left is not given again
    _, mid = await registry.run(m.add_member, TEAM, m.AddMember("SAMORN", entry=baby))
    assert mid == "M5"


async def test_move_changes_area_scope(
    engine: AsyncEngine, registry: Transactions[RegistryUnitOfWork]
) -> None:
    await register_samorn(registry)
    await registry.run(hh.move_household, TEAM, hh.MoveHousehold("SAMORN", to_area_code="34190201"))
    with pytest.raises(NotFound):  # the old team may no longer see it: 404, its new area untold
        await registry.read(hh.get_household, TEAM, hh.HouseholdRef("SAMORN"))
    h = await registry.read(hh.get_household, TEAM_B, hh.HouseholdRef("SAMORN"))
    assert h.area_code == "34190201"
    async with engine.connect() as conn:
        assert await HouseholdIndex(conn).ids_in("341902", "verified") == ["SAMORN"]
    moved = (await published(engine))[-1]
    assert moved["data"] == {"household_id": "SAMORN", "from_area_code": VILLAGE, "area_code": "34190201"}


async def verify_tpmap(registry: Transactions[RegistryUnitOfWork], hid: str, area: str = VILLAGE) -> None:
    from faemban_registry.domain.household import Registration

    reg = Registration(area, 2025, "tpmap", 1, tpmap_failing_indicators=("income.average_income",))
    verification = FieldVerification(
        2025,
        {"income.average_income": "confirmed"},
        (),
        "lives_here",
        "develop",
        (MemberFacts(age=30, has_occupation=True, annual_income=20000),),
    )
    async with registry.writing() as uow:
        await hh.register_household(uow, TEAM, hh.RegisterHousehold(reg, hid))
        await uow.flush()
        await hh.verify_household(uow, TEAM, hh.VerifyHousehold(hid, verification=verification))


def on_time(year: int) -> campaign.CampaignCalendar:
    return campaign.default_calendar(2999)  # deadlines far ahead: nothing is late


def overdue(year: int) -> campaign.CampaignCalendar:
    return campaign.default_calendar(2000)


async def test_certify_then_approve_and_returns_go_back_to_verify(
    engine: AsyncEngine, registry: Transactions[RegistryUnitOfWork]
) -> None:
    for hid in ("T1", "T2", "T3"):
        await verify_tpmap(registry, hid)
    with pytest.raises(OutOfScope):  # the team cannot certify its own work
        await registry.run(
            c.certify_subdistrict, TEAM_B, c.CertifySubdistrict(SUBDISTRICT, None, {}, on_time)
        )
    with pytest.raises(StateConflict):  # nothing certified yet
        h = await registry.read(hh.get_household, TEAM, hh.HouseholdRef("T1"))
        h.approve(datetime.now(UTC), on_time(2025))
    command = c.CertifySubdistrict(SUBDISTRICT, 2025, {"T3": "income not checked"}, on_time)
    r = await registry.run(c.certify_subdistrict, DISTRICT, command)
    assert r.certified == ["T1", "T2"] and r.returned == ["T3"] and not r.late
    decision = c.DecideDistrictList("3419", 2025, True, None, {"T2": "photo missing"}, overdue)
    r = await registry.run(c.decide_district_list, PROVINCE, decision)
    assert r.approved == ["T1"] and r.returned == ["T2"] and r.late
    statuses = {
        hid: (await registry.read(hh.get_household, TEAM, hh.HouseholdRef(hid))).status
        for hid in ("T1", "T2", "T3")
    }
    t3 = await registry.read(hh.get_household, TEAM, hh.HouseholdRef("T3"))
    assert statuses == {"T1": "approved", "T2": "to_verify", "T3": "to_verify"}
    assert t3.last_return is not None and t3.last_return.reason == "income not checked"
    events = [e for e in await published(engine) if e["subject"] == "T1"]
    assert [e["type"].split(".")[-2] for e in events][-2:] == ["certified", "approved"]
    assert events[-1]["data"]["late"] is True and events[-1]["data"]["due"] == "2001-01-15"


async def test_province_returns_a_whole_list_only_with_a_reason(
    registry: Transactions[RegistryUnitOfWork],
) -> None:
    await verify_tpmap(registry, "T1")
    await registry.run(c.certify_subdistrict, DISTRICT, c.CertifySubdistrict(SUBDISTRICT, None, {}, on_time))
    with pytest.raises(InvalidInput):
        await registry.run(
            c.decide_district_list, PROVINCE, c.DecideDistrictList("3419", None, False, " ", {}, on_time)
        )
    r = await registry.run(
        c.decide_district_list,
        PROVINCE,
        c.DecideDistrictList("3419", None, False, "pins missing", {}, on_time),
    )
    assert r.returned == ["T1"] and r.approved == []


async def test_personal_reads_are_logged(
    engine: AsyncEngine, registry: Transactions[RegistryUnitOfWork]
) -> None:
    await register_samorn(registry)
    _, data = await registry.read(hh.read_household, TEAM, hh.ReadHousehold("SAMORN", "home visit"))
    assert data is not None
    assert [m["first_name"] for m in data["members"]] == ["สมร", "สมชาย", "เด็กชาย"]
    assert data["address"]["phone"] == "0812345678" and data["address"]["lat"] == 15.2
    async with engine.connect() as conn:
        [entry] = await AccessLog(conn).query(household_id="SAMORN")
    assert entry["subject"] == "team-a" and entry["purpose"] == "home visit" and entry["what"] == "household"
    _, none = await registry.read(hh.read_household, TEAM, hh.ReadHousehold("SAMORN", None, personal=False))
    assert none is None
    with pytest.raises(InvalidInput):
        await registry.read(hh.read_household, TEAM, hh.ReadHousehold("SAMORN", None))


async def test_concurrent_personal_reads_are_each_logged_by_a_group_commit_before_they_answer(
    engine: AsyncEngine, registry: Transactions[RegistryUnitOfWork], tmp_path: Path
) -> None:
    await register_samorn(registry)
    blobs = LocalBlobStore(tmp_path / "blobs2")
    commits = 0

    @asynccontextmanager
    async def counted_begin() -> AsyncIterator[Any]:
        nonlocal commits
        async with engine.begin() as conn:
            yield conn
        commits += 1

    writer = AccessLogWriter(counted_begin)
    reads = Transactions(
        engine.begin,
        engine.connect,
        lambda c: RegistryUnitOfWork(c, blobs),
        lambda c: RegistryUnitOfWork(c, blobs, writer),
    )
    answers = await asyncio.gather(
        *(reads.read(hh.read_household, TEAM, hh.ReadHousehold("SAMORN", f"visit {i}")) for i in range(20))
    )
    assert all(data is not None for _, data in answers)
    async with engine.connect() as conn:
        logged = await AccessLog(conn).query(household_id="SAMORN")
    assert sorted(e["purpose"] for e in logged) == sorted(f"visit {i}" for i in range(20))
    assert 1 <= commits < 20, "the rows of concurrent reads share commits"

    @asynccontextmanager
    async def broken_begin() -> AsyncIterator[Any]:
        raise OSError("the log's disk is full")
        yield

    failing = Transactions(
        engine.begin,
        engine.connect,
        lambda c: RegistryUnitOfWork(c, blobs),
        lambda c: RegistryUnitOfWork(c, blobs, AccessLogWriter(broken_begin)),
    )
    with pytest.raises(OSError):  # not logged → not served
        await failing.read(hh.read_household, TEAM, hh.ReadHousehold("SAMORN", "visit"))


async def test_index_rebuilds_from_the_event_store(
    engine: AsyncEngine, registry: Transactions[RegistryUnitOfWork]
) -> None:
    await verify_tpmap(registry, "T1")
    await register_samorn(registry)
    async with engine.begin() as conn:
        before = (
            await conn.execute(sa.select(household_index.household_index).order_by("household_id"))
        ).all()
        assert await household_index.rebuild(conn) == 2
        after = (
            await conn.execute(sa.select(household_index.household_index).order_by("household_id"))
        ).all()
        assert not await household_index.is_stale(conn)
    assert before == after


def test_campaign_calendar_defaults_and_configuration() -> None:
    c = campaign.calendar(2025, "")
    assert (
        c.verify_by.isoformat(),
        c.district_by.isoformat(),
        c.province_by.isoformat(),
        c.plans_by.isoformat(),
    ) == (
        "2025-12-31",
        "2026-01-10",
        "2026-01-15",
        "2026-02-16",
    )
    c = campaign.calendar(2025, '{"2025": {"district_by": "2026-01-20"}}')
    assert c.district_by.isoformat() == "2026-01-20" and c.verify_by.isoformat() == "2025-12-31"
    # 20 Jan 2026 23:30 in Bangkok is 16:30 UTC: on time; an hour later it is the 21st there
    assert not c.is_late("district", datetime(2026, 1, 20, 16, 30, tzinfo=UTC))
    assert c.is_late("district", datetime(2026, 1, 20, 17, 30, tzinfo=UTC))
    with pytest.raises(ValueError):
        campaign.calendar(2025, "not json")
