"""The publisher's key hash is Kafka's: a household's events land on the partition any
Kafka client would choose for its id (ADR 0033)."""

from __future__ import annotations

import random

import pytest
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from faemban_domain.eventsourcing.broker import murmur2

JAVA_CLIENT = {  # Kafka's UtilsTest.testMurmur2, as the Java client's signed 32-bit ints
    "21": -973932308,
    "foobar": -790332482,
    "a-little-bit-long-string": -985981536,
    "a-little-bit-longer-string": -1486304829,
    "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    "abc": 479470107,
}


@pytest.mark.parametrize("key", sorted(JAVA_CLIENT))
def test_the_hash_is_the_java_clients(key: str) -> None:
    assert murmur2(key.encode()) == JAVA_CLIENT[key] & 0xFFFFFFFF


def test_the_hash_is_aiokafkas_on_keys_of_every_length() -> None:
    rng = random.Random(14)
    for length in [*range(0, 300), 1_000, 4_096]:  # every tail, and past the cached word counts
        for _ in range(20):
            key = rng.randbytes(length)
            assert murmur2(key) == aiokafka_murmur2(key), key
