"""Shuffle sharding: hands of distinct queues, stable per flow, different for most flows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.apiserver.flowcontrol.shuffle_sharding import deal, flow_hash


@given(st.integers(0, 2**64 - 1), st.integers(1, 128), st.integers(1, 15))
def test_a_hand_is_distinct_cards_of_the_deck(hash_value: int, deck: int, hand: int) -> None:
    hand = min(hand, deck)
    cards = deal(hash_value, deck, hand)
    assert len(cards) == hand == len(set(cards)) and all(0 <= c < deck for c in cards)
    assert deal(hash_value, deck, hand) == cards


def test_flows_hash_apart_and_stably() -> None:
    assert flow_hash("global-default", "jane") == flow_hash("global-default", "jane")
    assert flow_hash("global-default", "jane") != flow_hash("global-default", "bob")
    assert flow_hash("ab", "c") != flow_hash("a", "bc")  # the NUL separates schema and distinguisher
    hands = {tuple(sorted(deal(flow_hash("global-default", f"user-{i}"), 128, 6))) for i in range(1000)}
    assert len(hands) > 990


def test_every_card_order_is_reachable() -> None:
    """All 4*3 ordered hands of 2 from 4 come out of the 12 hash values 0..11."""
    assert {tuple(deal(h, 4, 2)) for h in range(12)} == {(a, b) for a in range(4) for b in range(4) if a != b}


@pytest.mark.parametrize(("deck", "hand"), [(4, 0), (4, 5), (64, 16)])
def test_impossible_hands_are_refused(deck: int, hand: int) -> None:
    with pytest.raises(ValueError, match="hand size"):
        deal(1, deck, hand)
