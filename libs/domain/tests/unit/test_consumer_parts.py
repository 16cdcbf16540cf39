"""A fetch is handled in parts of bounded size, each partition's records in order."""

from __future__ import annotations

from typing import Any

from faemban_domain.eventsourcing.broker import Record, TopicPartition
from faemban_domain.eventsourcing.consumer import ConsumerRunner, ConsumerSpec, _parts


def _records(topic: str, partition: int, sizes: list[int]) -> list[Record]:
    return [Record(topic, partition, i, "H", b"x" * n, ()) for i, n in enumerate(sizes)]


def test_parts_keep_every_record_once_in_partition_order_and_stay_within_the_budget() -> None:
    a, b = TopicPartition("t", 0), TopicPartition("t", 1)
    fetched = {a: _records("t", 0, [40, 40, 40, 40]), b: _records("t", 1, [30, 150, 10])}
    parts = list(_parts(fetched, 100))
    assert [{tp: [r.offset for r in rs] for tp, rs in p.items()} for p in parts] == [
        {a: [0, 1]},
        {a: [2, 3]},
        {b: [0]},
        {b: [1]},  # larger than the budget: a part alone
        {b: [2]},
    ]
    for p in parts:
        size = sum(len(r.value) for rs in p.values() for r in rs)
        assert size <= 100 or sum(len(rs) for rs in p.values()) == 1


def test_a_small_fetch_is_one_part() -> None:
    a, b = TopicPartition("t", 0), TopicPartition("u", 0)
    fetched = {a: _records("t", 0, [5, 5]), b: _records("u", 0, [5])}
    assert list(_parts(fetched, 1000)) == [fetched]


def test_a_runner_holds_to_the_smallest_part_its_members_allow() -> None:
    """A member may take larger parts (``part_bytes``); sharing a runner with one that does not,
    it gets the runner's own, so a member reading whole events is never handed more."""

    async def handler(*_: Any) -> None:
        return None

    whole = ConsumerSpec(name="whole", topics=["t"], handler=handler)
    large = ConsumerSpec(name="large", topics=["t"], handler=handler, part_bytes=8_000_000)
    small = ConsumerSpec(name="small", topics=["t"], handler=handler, part_bytes=300_000)

    def budget(*members: ConsumerSpec) -> int:
        unused: Any = None
        return ConsumerRunner(list(members), unused, unused, unused, batch_bytes=1_000_000).batch_bytes

    assert budget(large) == 8_000_000
    assert budget(whole) == 1_000_000
    assert budget(whole, large) == 1_000_000
    assert budget(large, small) == 300_000
