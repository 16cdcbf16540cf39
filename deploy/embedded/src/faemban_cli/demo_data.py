"""Deterministic TPMAP registers over a real province, for demos, tests and benchmarks.

Each household gets members with ages first; counts (elderly, disabled...)
and indicator flags are derived from them, so the file is consistent: no
elderly-care flag without someone 60+, no pre-school flag without a child
aged 3–5, and ``income.average_income`` fails exactly when total ÷ members is
below the survey year's threshold. Every household fails at least one
indicator (a TPMAP target list holds MPI-poor households only). Names are
invented; citizen ids carry valid check digits but are not real people's.
"""

from __future__ import annotations

import csv
import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geothai

from faemban_domain import indicators, tpmap_register
from faemban_domain.citizen_id import check_digit

TITLES_M, TITLES_F = ("นาย",), ("นาง", "นางสาว")
FIRST_M = ("สมชาย", "บุญมี", "ประเสริฐ", "สมศักดิ์", "ทองดี", "วิชัย", "สุพจน์", "อนันต์", "ประยูร", "คำปั่น")
FIRST_F = ("สมร", "บุญเรือง", "มาลี", "สมจิตร", "ทองใบ", "วันเพ็ญ", "คำมี", "นงลักษณ์", "สุนีย์", "บัวผัน")
LAST = ("ใจดี", "ศรีสุข", "บุญมา", "แก้วมณี", "พรหมมา", "ทองคำ", "สายบุญ", "คำแก้ว", "ศรีวงศ์", "จันทร์หอม")
VILLAGE = ("โนน", "นา", "หนอง", "ดอน", "ห้วย", "โคก", "ท่า", "บึง")
VILLAGE2 = ("สว่าง", "ใหญ่", "น้อย", "แดง", "คำ", "ทอง", "เจริญ", "สำราญ")


@dataclass(frozen=True)
class Member:
    age: int
    disabled: bool
    ill: bool
    welfare_card: bool


def _villages(rng_seed: int, subdistrict: str) -> int:
    return 5 + zlib.crc32(f"{rng_seed}:{subdistrict}".encode()) % 11


def generate(province: str, households: int, seed: int, cohort_year: int = 2019) -> Iterator[dict[str, Any]]:
    if geothai.province(province) is None:
        raise ValueError(f"unknown province {province}")
    rng = random.Random(f"{province}:{seed}")
    rules = indicators.rule_set(cohort_year)
    threshold = rules.income_threshold_baht
    places: list[tuple[str, int]] = []
    weights: list[float] = []
    for district in geothai.districts(province):
        district_weight = rng.paretovariate(1.2)
        for sub in geothai.subdistricts(district.code):
            for village in range(1, _villages(seed, sub.code) + 1):
                places.append((sub.code, village))
                weights.append(district_weight * (0.5 + rng.random()))
    cumulative = list(_accumulate(weights))
    for i in range(households):
        sub_code, village_no = places[_pick(cumulative, rng.random())]
        members = _members(rng)
        head = max(members, key=lambda m: (m.age >= 18, m.age if m.age < 75 else 74))
        male = rng.random() < 0.55
        avg = round(rng.lognormvariate(math.log(threshold * 1.05), 0.45), -2)
        total_income = avg * len(members)
        flags = _flags(rng, members, total_income / len(members) < threshold)
        lat, lon = 14.0 + rng.random() * 3.5, 102.0 + rng.random() * 3.3
        twelve = f"{rng.randrange(1, 9)}{sub_code[:4]}{rng.randrange(10**6):06d}{rng.randrange(10)}"
        row: dict[str, Any] = {
            "household_id": f"TP{province}{seed % 100:02d}{i:07d}",
            "cohort_year": cohort_year + 543,
            "province_code": sub_code[:2],
            "district_code": sub_code[:4],
            "subdistrict_code": sub_code,
            "village_no": village_no,
            "village_name": f"บ้าน{VILLAGE[village_no % 8]}{VILLAGE2[int(sub_code) % 8]}",
            "house_no": f"{rng.randrange(1, 300)}",
            "head_title": rng.choice(TITLES_M if male else TITLES_F),
            "head_first_name": rng.choice(FIRST_M if male else FIRST_F),
            "head_last_name": rng.choice(LAST),
            "head_citizen_id": twelve + str(check_digit(twelve)),
            "head_age": head.age,
            "head_sex": "ชาย" if male else "หญิง",
            "members": len(members),
            "welfare_card_holders": sum(m.welfare_card for m in members),
            "elderly": sum(m.age >= 60 for m in members),
            "disabled": sum(m.disabled for m in members),
            "chronically_ill": sum(m.ill for m in members),
            "total_income": int(total_income),
            "formal_debt": int(rng.choice((0, 0, 5000, 20000, 50000, 120000))),
            "informal_debt": int(rng.choice((0, 0, 0, 3000, 10000))),
            "savings": int(rng.choice((0, 0, 500, 2000, 10000))),
            "lat": round(lat, 6),
            "lon": round(lon, 6),
        }
        for code in rules.codes:
            row[code] = 1 if code in flags else 0
        yield row


def _accumulate(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _pick(cumulative: list[float], u: float) -> int:
    import bisect

    return min(bisect.bisect_left(cumulative, u * cumulative[-1]), len(cumulative) - 1)


def _members(rng: random.Random) -> list[Member]:
    size = rng.choices(range(1, 9), weights=(8, 16, 20, 20, 15, 10, 7, 4))[0]
    ages = [rng.randrange(20, 86)]
    for _ in range(size - 1):
        kind = rng.random()
        ages.append(
            rng.randrange(0, 18)
            if kind < 0.45
            else rng.randrange(60, 95)
            if kind < 0.65
            else rng.randrange(18, 60)
        )
    return [
        Member(
            age=a,
            disabled=rng.random() < 0.04,
            ill=rng.random() < (0.15 if a >= 60 else 0.04),
            welfare_card=a >= 18 and rng.random() < 0.6,
        )
        for a in ages
    ]


def _flags(rng: random.Random, members: list[Member], low_income: bool) -> set[str]:
    ages = [m.age for m in members]
    applies = {
        "always": True,
        "newborn": any(a == 0 for a in ages),
        "age_6_plus": any(a >= 6 for a in ages),
        "age_3_5": any(3 <= a <= 5 for a in ages),
        "age_6_14": any(6 <= a <= 14 for a in ages),
        "m3_graduate": any(15 <= a <= 17 for a in ages),
        "age_15_59": any(15 <= a <= 59 for a in ages),
        "age_60_plus": any(a >= 60 for a in ages),
        "disabled_member": any(m.disabled for m in members),
    }
    chance = {
        "health.birth_weight": 0.1,
        "health.food_safety": 0.04,
        "health.medicine_use": 0.03,
        "health.exercise": 0.05,
        "living.housing_security": 0.08,
        "living.drinking_water": 0.04,
        "living.household_water": 0.03,
        "living.tidy_home": 0.06,
        "education.preschool": 0.1,
        "education.compulsory": 0.08,
        "education.upper_secondary": 0.2,
        "education.literacy": 0.06,
        "income.working_age_job": 0.1,
        "income.elderly_income": 0.1,
        "access.elderly_care": 0.05,
        "access.disabled_care": 0.3,
    }
    flags: set[str] = set()
    for ind in indicators.latest_rule_set().indicators:
        if not applies[ind.applies_when]:
            continue
        if ind.code == "income.average_income":
            if low_income:
                flags.add(ind.code)
        elif rng.random() < chance[ind.code]:
            flags.add(ind.code)
    if not flags:
        flags.add(rng.choice(("living.tidy_home", "health.food_safety", "living.housing_security")))
    return flags


def header(thai: bool = False) -> list[str]:
    cols = tpmap_register.all_columns()
    return [col.thai[0] if thai and col.thai else col.name for col in cols]


def write_csv(
    rows: Iterator[dict[str, Any]], path: Path, *, thai_headers: bool = False, encoding: str = "utf-8"
) -> int:
    names = [c.name for c in tpmap_register.all_columns()]
    count = 0
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header(thai_headers))
        for row in rows:
            writer.writerow([row[n] for n in names])
            count += 1
    return count


def write_xlsx(rows: Iterator[dict[str, Any]], path: Path, *, thai_headers: bool = False) -> int:
    from openpyxl import Workbook

    names = [c.name for c in tpmap_register.all_columns()]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("ทะเบียน TPMAP")
    ws.append(header(thai_headers))
    count = 0
    for row in rows:
        ws.append([row[n] for n in names])
        count += 1
    wb.save(path)
    return count
