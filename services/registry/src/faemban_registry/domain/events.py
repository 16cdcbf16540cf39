"""The events a household's stream records.

Events published as they are recorded *are* their public contract models; an event
whose public form differs is a private model here (a return keeps the officer's words,
its public form names them by reference). The stored names on the left never change:
streams already hold them.
"""

from __future__ import annotations

from faemban_domain.events.contracts import (
    HouseholdApprovedV1,
    HouseholdCertificationReturnedV1,
    HouseholdCertifiedV1,
    HouseholdDetailsRecordedV1,
    HouseholdFieldStatusRecordedV1,
    HouseholdHeadDeceasedV1,
    HouseholdMemberAddedV1,
    HouseholdMemberLeftV1,
    HouseholdMovedV1,
    HouseholdRegisteredV1,
    HouseholdVerifiedV1,
)
from faemban_domain.eventsourcing.aggregate import EventNames


class CertificationReturned(HouseholdCertificationReturnedV1):
    """Sent back to the field team. Private: ``reason`` is the officer's own words and stays
    in the registry; it is published as ``certification-returned.v2`` with a ``reason_ref``
    instead. Its fields are those ``.v1`` had when it was public (a stored event's shape
    never changes)."""


Registered = HouseholdRegisteredV1
FieldStatusRecorded = HouseholdFieldStatusRecordedV1
Verified = HouseholdVerifiedV1
DetailsRecorded = HouseholdDetailsRecordedV1
MemberAdded = HouseholdMemberAddedV1
MemberLeft = HouseholdMemberLeftV1
HeadDeceased = HouseholdHeadDeceasedV1
Moved = HouseholdMovedV1
Certified = HouseholdCertifiedV1
Approved = HouseholdApprovedV1

HOUSEHOLD_EVENTS = EventNames(
    {
        "HouseholdRegistered": Registered,
        "HouseholdFieldStatusRecorded": FieldStatusRecorded,
        "HouseholdVerified": Verified,
        "HouseholdDetailsRecorded": DetailsRecorded,
        "HouseholdMemberAdded": MemberAdded,
        "HouseholdMemberLeft": MemberLeft,
        "HouseholdHeadDeceased": HeadDeceased,
        "HouseholdMoved": Moved,
        "HouseholdCertified": Certified,
        "HouseholdCertificationReturned": CertificationReturned,
        "HouseholdApproved": Approved,
    }
)
