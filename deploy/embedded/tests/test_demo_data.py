"""The demo register generator: deterministic, real areas, consistent flags."""

from __future__ import annotations

from faemban_cli.demo_data import generate
from faemban_domain import areas
from faemban_domain.citizen_id import is_valid_citizen_id


def test_same_seed_same_file_other_seed_other_file() -> None:
    assert list(generate("34", 50, 1)) == list(generate("34", 50, 1))
    assert list(generate("34", 50, 1)) != list(generate("34", 50, 2))


def test_rows_are_consistent_with_their_members() -> None:
    rows = list(generate("34", 3000, 5))
    assert len({r["household_id"] for r in rows}) == 3000
    assert len({r["district_code"] for r in rows}) == 25  # every district of Ubon
    for r in rows:
        assert areas.is_known(r["subdistrict_code"]) and r["subdistrict_code"].startswith(r["district_code"])
        assert is_valid_citizen_id(r["head_citizen_id"])
        assert 0 <= r["welfare_card_holders"] <= r["members"] and r["elderly"] <= r["members"]
        flags = {k for k, v in r.items() if "." in k and v == 1}
        assert flags, "a TPMAP target fails at least one indicator"
        if r["elderly"] == 0:
            assert not flags & {"access.elderly_care", "income.elderly_income"}
        if r["disabled"] == 0:
            assert "access.disabled_care" not in flags
        assert ("income.average_income" in flags) == (r["total_income"] / r["members"] < 38000)
