"""The typed aggregate kit: events by class, state changes by type, the stored names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ConfigDict

from faemban_domain.events.contracts import HouseholdMovedV1
from faemban_domain.eventsourcing.aggregate import Aggregate, EventNames, on_event
from faemban_domain.eventsourcing.records import ModelData, RecordedEvent
from faemban_domain.eventsourcing.store import contract_view


class Renamed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str


class Thing(Aggregate):
    stream_prefix = "thing-"
    events = EventNames({"ThingMoved": HouseholdMovedV1, "ThingRenamed": Renamed})

    def __init__(self, thing_id: str) -> None:
        super().__init__(thing_id)
        self.area = ""
        self.name = ""

    def move(self, area: str) -> None:
        self._trigger(
            HouseholdMovedV1(household_id=self.id, from_area_code=self.area or area, area_code=area)
        )

    def rename(self, name: str) -> None:
        self._trigger(Renamed(name=name))

    @on_event
    def _moved(self, event: HouseholdMovedV1) -> None:
        self.area = event.area_code

    @on_event
    def _renamed(self, event: Renamed) -> None:
        self.name = event.name


def test_state_after_commands_equals_state_after_replay() -> None:
    thing = Thing("T1")
    thing.move("34010101")
    thing.rename("บ้านโนน")
    pending = thing.collect_pending()
    assert [e.type for e in pending] == ["ThingMoved", "ThingRenamed"]
    again = Thing("T1")
    again.replay(
        [
            RecordedEvent("thing-T1", i + 1, None, e.event_id, e.type, dict(e.data), {}, datetime.now(UTC))
            for i, e in enumerate(pending)
        ]
    )
    assert (again.area, again.name, again.version) == (thing.area, thing.name, 2)


def test_an_aggregate_without_a_state_change_for_one_of_its_events_is_refused() -> None:
    with pytest.raises(TypeError, match="ThingRenamed"):

        class Broken(Aggregate):
            events = EventNames({"ThingMoved": HouseholdMovedV1, "ThingRenamed": Renamed})

            @on_event
            def _moved(self, event: HouseholdMovedV1) -> None:
                pass


def test_unknown_events_are_refused_both_ways() -> None:
    class Stranger(Renamed):
        pass

    with pytest.raises(ValueError, match="unknown stored event type"):
        Thing.events.decode("ThingExploded", {})
    with pytest.raises(TypeError, match="Stranger"):
        Thing.events.name_of(Stranger(name="x"))


def test_published_data_is_the_contract_whether_or_not_it_was_validated_already() -> None:
    view = contract_view({"ThingMoved": "th.faemban.household.moved.v1"})
    thing = Thing("T1")
    thing.move("34010101")
    [new] = thing.collect_pending()
    assert isinstance(new.data, ModelData) and new.data.model is HouseholdMovedV1
    recorded = RecordedEvent("thing-T1", 1, None, new.event_id, new.type, new.data, {}, datetime.now(UTC))
    trusted = view(recorded)
    checked = view(
        RecordedEvent("thing-T1", 1, None, new.event_id, new.type, dict(new.data), {}, datetime.now(UTC))
    )
    assert trusted is not None and checked is not None and trusted.data == checked.data
    bad = {**dict(new.data), "area_code": "not a code"}
    with pytest.raises(ValueError):
        view(RecordedEvent("thing-T1", 1, None, new.event_id, new.type, bad, {}, datetime.now(UTC)))
