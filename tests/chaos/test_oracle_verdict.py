"""The write oracle can fail: a lost, replayed, reordered or mistyped event is caught, and
a write that failed in flight but happened is counted, not blamed (no cluster needed)."""

from __future__ import annotations

import threading

import pytest

from tests.chaos.write_oracle import Ack, WriteOracle

pytestmark = pytest.mark.chaos


class Acks:
    def __init__(self, acks: list[Ack]) -> None:
        self.acks = acks

    def acknowledged(self) -> list[Ack]:
        return list(self.acks)


def oracle(acks: list[Ack], events: list[tuple[str, str, int]]) -> WriteOracle:
    o = WriteOracle.__new__(WriteOracle)
    o.load, o.events, o.relisted = Acks(acks), events, {}  # type: ignore[assignment]
    o._lock = threading.Lock()
    return o


ACKS = [Ack("a", 5, "create"), Ack("a", 7, "update"), Ack("b", 9, "create")]


def test_every_write_seen_once_in_order_is_ok_and_an_unacknowledged_one_is_counted() -> None:
    v = oracle(ACKS, [("ADDED", "a", 5), ("ADDED", "c", 6), ("MODIFIED", "a", 7), ("ADDED", "b", 9)]).verdict()
    assert v.ok() and v.unacknowledged_seen == 1 and v.writes_acknowledged == 3


@pytest.mark.parametrize(("events", "broken"), [
    ([("ADDED", "a", 5), ("ADDED", "b", 9)], "lost"),
    ([("ADDED", "a", 5), ("MODIFIED", "a", 7), ("MODIFIED", "a", 7), ("ADDED", "b", 9)], "duplicated"),
    ([("ADDED", "a", 5), ("ADDED", "b", 9), ("MODIFIED", "a", 7)], "out_of_order"),
    ([("ADDED", "a", 5), ("ADDED", "a", 7), ("ADDED", "b", 9)], "wrong_type"),
])
def test_a_broken_stream_fails_the_verdict(events: list[tuple[str, str, int]], broken: str) -> None:
    v = oracle(ACKS, events).verdict()
    assert not v.ok() and getattr(v, broken)


def test_a_write_only_seen_through_a_relist_is_covered_not_lost() -> None:
    o = oracle(ACKS, [("ADDED", "a", 5), ("ADDED", "b", 9)])
    o.relisted = {"a": 8}
    v = o.verdict()
    assert v.ok() and v.covered_by_relist == 1
