"""Verification of a TPMAP household (ศจพ.1): the category is derived, never typed.

C = TPMAP-flagged indicators the team confirmed, R = flagged ones it rejected,
N = indicators TPMAP did not flag that fail now (docs/domain.md, "Verification"):

| category          | rule                                  |
|-------------------|---------------------------------------|
| all_correct       | R = ∅ and N = ∅ (and C ≠ ∅)           |
| partly_correct    | C ≠ ∅ and (R ≠ ∅ or N ≠ ∅)            |
| entirely_wrong    | C = ∅ and R ≠ ∅ and N ≠ ∅             |
| no_problem_found  | C = ∅ and N = ∅                       |

Rule (ours), for the two cases the table leaves open — a TPMAP household
imported with no flag at all: nothing found (C = R = N = ∅) is
``no_problem_found`` (the table would also allow all_correct; with no
problem there is nothing to be correct about), and problems found
(C = R = ∅, N ≠ ∅) is ``entirely_wrong`` (TPMAP missed all of them).
"""

from __future__ import annotations

from collections.abc import Set

from faemban_domain.events.contracts import VerificationCategory


def verification_category(confirmed: Set[str], rejected: Set[str], new: Set[str]) -> VerificationCategory:
    if confirmed & rejected or (confirmed | rejected) & new:
        raise ValueError("an indicator can only be confirmed, rejected or new")
    if not confirmed and not new:
        return "no_problem_found"
    if not rejected and not new:
        return "all_correct"
    if confirmed:
        return "partly_correct"
    return "entirely_wrong"
