"""Columns of the TPMAP target register (docs/interfaces.md, "Shape 2").

English column names, each with the Thai header(s) of form ศจพ.1 accepted as
aliases, and one column per indicator code (alias: the indicator's ศจพ.1
column). Header matching ignores case, surrounding space and repeated spaces.
Shared because the registry parses these files and the demo-data generator
writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from faemban_domain import indicators


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    thai: tuple[str, ...]
    required: bool
    personal: bool = False
    """Personal data (docs/domain.md, "Personal data"): kept in the registry, never published."""


BASE_COLUMNS: tuple[Column, ...] = (
    Column("household_id", ("รหัสบ้าน", "รหัสครัวเรือน", "รหัสประจำบ้าน"), True),
    Column("cohort_year", ("ปี", "ปีข้อมูล", "ปีที่สำรวจ"), False),
    Column("province_code", ("รหัสจังหวัด",), True),
    Column("district_code", ("รหัสอำเภอ",), True),
    Column("subdistrict_code", ("รหัสตำบล",), True),
    Column("village_no", ("หมู่", "หมู่ที่"), True),
    Column("village_name", ("หมู่บ้าน", "ชื่อหมู่บ้าน"), False),
    Column("house_no", ("บ้านเลขที่",), False, personal=True),
    Column("head_title", ("คำนำหน้า", "คำนำหน้าชื่อ"), False, personal=True),
    Column("head_first_name", ("ชื่อ",), False, personal=True),
    Column("head_last_name", ("สกุล", "นามสกุล"), False, personal=True),
    Column("head_citizen_id", ("เลขประจำตัวประชาชน", "เลขบัตรประชาชน"), False, personal=True),
    Column("head_age", ("อายุ", "อายุ (ปี)"), False, personal=True),
    Column("head_sex", ("เพศ",), False, personal=True),
    Column("members", ("ทั้งหมดกี่คน", "จำนวนคนในครัวเรือน", "จำนวนสมาชิก"), True),
    Column("welfare_card_holders", ("เป็นผู้ถือบัตรสวัสดิการแห่งรัฐกี่คน", "ผู้ถือบัตรสวัสดิการแห่งรัฐ"), True),
    Column("elderly", ("เป็นผู้สูงอายุกี่คน",), True),
    Column("disabled", ("เป็นผู้พิการกี่คน",), True),
    Column("chronically_ill", ("ป่วยกี่คน",), True),
    Column("total_income", ("รายได้รวม/ปี", "รายได้รวมต่อปี", "รายได้รวม"), False),
    Column("formal_debt", ("หนี้ในระบบ",), False, personal=True),
    Column("informal_debt", ("หนี้นอกระบบ",), False, personal=True),
    Column("savings", ("การออม",), False, personal=True),
    Column("lat", ("ละติจูด", "latitude"), False, personal=True),
    Column("lon", ("ลองจิจูด", "longitude"), False, personal=True),
)


def indicator_columns(survey_year: int | None = None) -> tuple[Column, ...]:
    rules = indicators.rule_set(survey_year) if survey_year else indicators.latest_rule_set()
    return tuple(Column(i.code, (i.sjp1_column,), False) for i in rules.indicators)


def all_columns(survey_year: int | None = None) -> tuple[Column, ...]:
    return BASE_COLUMNS + indicator_columns(survey_year)


def normalise_header(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


def header_index(survey_year: int | None = None) -> dict[str, str]:
    """Normalised header text (English or Thai) → column name."""
    index: dict[str, str] = {}
    for col in all_columns(survey_year):
        index[normalise_header(col.name)] = col.name
        for alias in col.thai:
            index.setdefault(normalise_header(alias), col.name)
    return index


# Thailand's bounding box (docs/domain.md, "Household data"): pins outside it are rejected.
LAT_RANGE = (5.5, 20.5)
LON_RANGE = (97.3, 105.7)
