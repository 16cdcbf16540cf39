"""The registry's event store, what of it is published, and the households repository.

Every event of a household has a public type; its data is validated against the public
contract by the write that records it, so a field that is not in the contract (and no
personal data is) cannot leave.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from faemban_domain.errors import NotFound
from faemban_domain.events.contracts import REGISTRY_TOPIC, HouseholdCertificationReturnedV2, type_of
from faemban_domain.eventsourcing.repository import AggregateSet
from faemban_domain.eventsourcing.store import ConcurrencyError, EventStore, contract_view, kept_home
from faemban_domain.platform import mentors
from faemban_domain.platform.auth import Principal
from faemban_registry.adapters.tables import household_mentors
from faemban_registry.domain import events as ev
from faemban_registry.domain.household import Household

RETURNED_V2 = type_of(HouseholdCertificationReturnedV2)
PUBLIC_TYPES = {
    name: RETURNED_V2 if cls is ev.CertificationReturned else type_of(cls)
    for name, cls in ev.HOUSEHOLD_EVENTS.classes.items()
}
"""Stored name → public type: the contract model's own type, the return's v2 shape."""


public_view = contract_view(
    PUBLIC_TYPES,
    # the reason is the district's or province's own words: it stays in the registry
    {ev.HOUSEHOLD_EVENTS.name_of_class(ev.CertificationReturned): kept_home("reason", ref="reason_ref")},
)

store = EventStore(source="faemban/registry", topic=REGISTRY_TOPIC, public_view=public_view)


class Households(AggregateSet[Household]):
    """The households a unit of work loaded or registered."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn, store, Household)

    async def mentored_by(self, principal: Principal, household_id: str) -> bool:
        """Is the caller a mentor of the household's team (planning's assignment)?"""
        return "mentor" in principal.roles and await mentors.is_mentor_of(
            self.conn, household_mentors, household_id, principal.sub
        )

    async def exists(self, household_id: str) -> bool:
        return await self.get(household_id) is not None

    async def load(
        self, principal: Principal, household_id: str, expected_version: int | None = None
    ) -> Household:
        """A household the caller may see (else 404); a client that says which version it saw
        gets a conflict when the household moved on."""
        household = await self.get(household_id)
        if household is None:
            raise NotFound(f"household {household_id} is not registered")
        principal.ensure_household(
            household_id, household.area_code, await self.mentored_by(principal, household_id)
        )
        if expected_version is not None and expected_version != household.version:
            raise ConcurrencyError(household.stream_id, expected_version)
        return household
