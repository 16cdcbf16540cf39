"""The ศจพ.1 category rule over every combination of small indicator sets."""

from __future__ import annotations

import itertools

import pytest

from faemban_registry.domain.verification import verification_category

A, B, C = "living.tidy_home", "income.average_income", "health.exercise"


def by_table(c: set[str], r: set[str], n: set[str]) -> str:
    """docs/domain.md, "Verification" read literally, plus the two Rule (ours) cases."""
    if not c and not n:
        return "no_problem_found"
    if not r and not n:
        return "all_correct"
    if c and (r or n):
        return "partly_correct"
    if not c and r and n:
        return "entirely_wrong"
    assert not c and not r and n
    return "entirely_wrong"  # Rule (ours): TPMAP flagged nothing, the team found problems


# Every way of giving each of three indicators one of four marks.
MARKS = ("none", "confirmed", "rejected", "new")
CASES = list(itertools.product(MARKS, repeat=3))


@pytest.mark.parametrize("marks", CASES)
def test_every_combination(marks: tuple[str, str, str]) -> None:
    sets: dict[str, set[str]] = {"confirmed": set(), "rejected": set(), "new": set(), "none": set()}
    for code, mark in zip((A, B, C), marks, strict=True):
        sets[mark].add(code)
    got = verification_category(sets["confirmed"], sets["rejected"], sets["new"])
    assert got == by_table(sets["confirmed"], sets["rejected"], sets["new"])


@pytest.mark.parametrize(
    ("c", "r", "n", "expected"),
    [
        # the four worked rows under seed 002's form ศจพ.1 (✓₁ confirmed, x₁ rejected, ✓ new)
        ({A, B}, set(), set(), "all_correct"),
        ({A}, {B}, {C}, "partly_correct"),
        (set(), {A, B}, {C, "income.working_age_job"}, "entirely_wrong"),
        (set(), {A, B, C, "access.elderly_care"}, set(), "no_problem_found"),
        ({A}, set(), {B}, "partly_correct"),
        ({A}, {B}, set(), "partly_correct"),
    ],
)
def test_seed_examples(c: set[str], r: set[str], n: set[str], expected: str) -> None:
    assert verification_category(c, r, n) == expected


def test_an_indicator_cannot_carry_two_marks() -> None:
    with pytest.raises(ValueError):
        verification_category({A}, {A}, set())
    with pytest.raises(ValueError):
        verification_category({A}, set(), {A})
