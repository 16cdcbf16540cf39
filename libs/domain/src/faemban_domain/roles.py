"""The roles a token can carry (docs/domain.md, "Roles").

A module of its own, without the auth machinery around it, so that the command line can
offer the roles as choices without importing the web framework and the crypto libraries;
a register import's worker processes start by importing the command line (ADR 0028).
"""

ROLES = (
    "ops_team",
    "mentor",
    "district_officer",
    "province_officer",
    "agency",
    "analyst",
    "partner",
    "admin",
)
