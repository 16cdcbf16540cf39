"""A fetch is handled in parts of bounded size, each partition's records in order."""

from __future__ import annotations

from faemban_domain.eventsourcing.broker import Record, TopicPartition
from faemban_domain.eventsourcing.consumer import _parts


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
