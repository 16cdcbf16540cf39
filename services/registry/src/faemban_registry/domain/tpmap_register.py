"""Reading one row of a TPMAP target register into a registration.

Every cell is checked and every problem is reported with its spreadsheet row
(header = row 1) and column name, so a province can fix the whole file in one
go. Household-level rules (counts not above members, known indicators...)
are the Household aggregate's, applied through ``Registration.validate``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from faemban_domain import areas, bounds, tpmap_register
from faemban_domain.citizen_id import is_valid_citizen_id, normalise_citizen_id
from faemban_domain.errors import InvalidInput
from faemban_domain.thai import normalise_year, thai_digits_to_arabic
from faemban_registry.domain.household import Registration


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class PersonalFacts:
    """What the register says about the people and the house: stays in the registry."""

    head_title: str | None = None
    head_first_name: str | None = None
    head_last_name: str | None = None
    head_citizen_id: str | None = None
    head_age: int | None = None
    head_sex: str | None = None
    house_no: str | None = None
    village_name: str | None = None
    formal_debt: float | None = None
    informal_debt: float | None = None
    savings: float | None = None
    lat: float | None = None
    lon: float | None = None


PERSONAL_FIELDS = tuple(f.name for f in fields(PersonalFacts))
"""Its fields in order: the columns of the personal table, and the spill's tuple layout."""


@dataclass(frozen=True, slots=True)
class RegisterRow:
    row: int
    household_id: str
    registration: Registration
    personal: PersonalFacts


_SEX = {
    "ชาย": "male",
    "ช": "male",
    "m": "male",
    "male": "male",
    "หญิง": "female",
    "ญ": "female",
    "f": "female",
    "female": "female",
}
_FLAG_TRUE = {"1", "1.0", "true"}
_FLAG_FALSE = {"", "0", "0.0", "false"}
# Registration fields → the register column a problem with them is reported in.
_FIELD_COLUMN = {"area_code": "subdistrict_code"}


def _text(value: Any) -> str:
    """One cell as clean text: Thai digits to Arabic, XLSX 4.0 to "4", trimmed."""
    if type(value) is str:
        return value.strip() if value.isascii() else thai_digits_to_arabic(value).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return thai_digits_to_arabic(str(value)).strip()


def _column_letter(position: int) -> str:
    """0 → A, 25 → Z, 26 → AA: as the spreadsheet shows the column."""
    letters = ""
    position += 1
    while position:
        position, rem = divmod(position - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class _Cells:
    """The row's cells, already cleaned by ``_text``, with typed readers that record errors."""

    def __init__(self, row: int, values: dict[str, str]) -> None:
        self.row = row
        self.values = values
        self.errors: list[RowError] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))

    def text(self, column: str, required: bool = False, max_len: int = 200) -> str | None:
        value = self.values.get(column, "")
        if not value:
            if required:
                self.error(column, "is required")
            return None
        if len(value) > max_len:
            self.error(column, f"is longer than {max_len} characters")
            return None
        return value

    def integer(self, column: str, required: bool, low: int, high: int) -> int | None:
        value = self.values.get(column, "").replace(",", "")
        if not value:
            if required:
                self.error(column, "is required")
            return None
        try:
            number = float(value)
        except ValueError:
            self.error(column, "is not a whole number")
            return None
        if not number.is_integer():
            self.error(column, "is not a whole number")
            return None
        if not low <= number <= high:
            self.error(column, f"is outside {low}–{high}")
            return None
        return int(number)

    def number(self, column: str, low: float = 0, high: float = bounds.MAX_BAHT) -> float | None:
        value = self.values.get(column, "").replace(",", "")
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            self.error(column, "is not a number")
            return None
        if not math.isfinite(number) or not low <= number <= high:
            self.error(column, f"is outside {low:g}–{high:g}")
            return None
        return number

    def code(self, column: str, length: int, parent: str | None) -> str | None:
        value = self.text(column, required=True)
        if value is None:
            return None
        if not value.isdigit() or len(value) != length:
            self.error(column, f"is not a {length}-digit DOPA code")
            return None
        if parent is not None and not value.startswith(parent):
            self.error(column, f"does not lie in {parent}")
            return None
        if not areas.is_known(value):
            self.error(column, "is not a known area code")
            return None
        return value


class RegisterParser:
    """Parses the rows of one file; build it from the file's header row."""

    def __init__(
        self,
        header: Sequence[Any],
        *,
        default_cohort_year: int | None,
        in_scope: Callable[[str], bool],
    ) -> None:
        index = tpmap_register.header_index()
        self.positions: dict[str, int] = {}
        self.header_errors: list[RowError] = []
        for pos, cell in enumerate(header):
            name = index.get(tpmap_register.normalise_header(_text(cell)))
            if name is None:
                continue
            if name in self.positions:
                # two headers for one column (e.g. "members" and "จำนวนสมาชิก"): which one holds
                # the truth cannot be guessed, so the file is refused naming both places
                self.header_errors.append(
                    RowError(
                        1,
                        name,
                        f"appears twice (columns {_column_letter(self.positions[name])} "
                        f"and {_column_letter(pos)})",
                    )
                )
                continue
            self.positions[name] = pos
        self.indicator_codes = [c.name for c in tpmap_register.indicator_columns()]
        self.header_errors += [
            RowError(1, col.name, "required column is missing")
            for col in tpmap_register.BASE_COLUMNS
            if col.required and col.name not in self.positions
        ]
        if "cohort_year" not in self.positions and default_cohort_year is None:
            self.header_errors.append(
                RowError(1, "cohort_year", "no cohort_year column and no cohort_year form field")
            )
        self.default_cohort_year = default_cohort_year
        self.in_scope = in_scope
        self._names = tuple(self.positions)
        self._columns = tuple(self.positions.values())
        self._width = max(self.positions.values(), default=0) + 1

    def _values(self, cells: Sequence[Any]) -> dict[str, str]:
        """The row's cells by column name, each as ``_text`` cleans it (an ASCII text cell, as
        nearly every CSV cell is, only stripped: the import parses every row twice)."""
        width = len(cells)
        if width < self._width:
            return {name: _text(cells[pos]) if pos < width else "" for name, pos in self.positions.items()}
        return {
            name: value.strip() if type(value) is str and value.isascii() else _text(value)
            for name, value in zip(self._names, map(cells.__getitem__, self._columns), strict=True)
        }

    def parse(self, row: int, cells: Sequence[Any]) -> RegisterRow | list[RowError]:
        values = self._values(cells)
        c = _Cells(row, values)
        household_id = c.text("household_id", required=True, max_len=40)
        if household_id is not None and (id_problem := bounds.household_id_problem(household_id)):
            c.error("household_id", id_problem)
            household_id = None
        cohort = c.integer("cohort_year", False, 1900, 2700)
        if cohort is None and not c.errors:
            cohort = self.default_cohort_year
        if cohort is not None:
            cohort = normalise_year(cohort)
        province = c.code("province_code", 2, None)
        district = c.code("district_code", 4, province) if province else None
        subdistrict = c.code("subdistrict_code", 6, district) if district else None
        village_no = c.integer("village_no", True, 1, 99)
        area_code = f"{subdistrict}{village_no:02d}" if subdistrict and village_no else None
        if area_code and not self.in_scope(area_code):
            c.error("subdistrict_code", "the village is outside your areas")
        citizen_id = c.text("head_citizen_id")
        if citizen_id is not None:
            if not is_valid_citizen_id(citizen_id):
                c.error("head_citizen_id", "not a valid 13-digit citizen id (check digit fails)")
            citizen_id = normalise_citizen_id(citizen_id)
        sex_text = c.text("head_sex")
        sex = _SEX.get(sex_text.lower()) if sex_text else None
        if sex_text and sex is None:
            c.error("head_sex", "is not ชาย/หญิง (male/female)")
        counts = {
            name: c.integer(name, True, 0 if name != "members" else 1, bounds.MAX_MEMBERS)
            for name in ("members", "welfare_card_holders", "elderly", "disabled", "chronically_ill")
        }
        total_income = c.number("total_income")
        lat, lon = c.number("lat", -90, 90), c.number("lon", -180, 180)
        if (lat is None) != (lon is None):
            c.error("lat" if lat is None else "lon", "a map pin needs both lat and lon")
        elif lat is not None and lon is not None:
            if not tpmap_register.LAT_RANGE[0] <= lat <= tpmap_register.LAT_RANGE[1]:
                c.error("lat", "is outside Thailand (5.5–20.5)")
            if not tpmap_register.LON_RANGE[0] <= lon <= tpmap_register.LON_RANGE[1]:
                c.error("lon", "is outside Thailand (97.3–105.7)")
        failing = []
        for code in self.indicator_codes:
            flag = values.get(code, "").lower()
            if flag in _FLAG_TRUE:
                failing.append(code)
            elif flag not in _FLAG_FALSE:
                c.error(code, "must be 1 (fails) or 0/empty")
        personal = PersonalFacts(
            head_title=c.text("head_title"),
            head_first_name=c.text("head_first_name"),
            head_last_name=c.text("head_last_name"),
            head_citizen_id=citizen_id,
            head_age=c.integer("head_age", False, 0, 130),
            head_sex=sex,
            house_no=c.text("house_no", max_len=40),
            village_name=c.text("village_name"),
            formal_debt=c.number("formal_debt"),
            informal_debt=c.number("informal_debt"),
            savings=c.number("savings"),
            lat=lat,
            lon=lon,
        )
        if c.errors:
            return c.errors
        assert household_id and area_code and cohort is not None
        registration = Registration(
            area_code=area_code,
            cohort_year=cohort,
            source="tpmap",
            members=counts["members"] or 0,
            welfare_card_holders=counts["welfare_card_holders"] or 0,
            elderly=counts["elderly"] or 0,
            disabled=counts["disabled"] or 0,
            chronically_ill=counts["chronically_ill"] or 0,
            total_income=total_income,
            tpmap_failing_indicators=tuple(failing),
        )
        try:
            registration.validate()
        except InvalidInput as err:
            return [
                RowError(row, _FIELD_COLUMN.get(e.field, e.field.split("[")[0]), e.message)
                for e in err.errors
            ]
        return RegisterRow(row, household_id, registration, personal)
