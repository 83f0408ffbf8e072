"""Shuffle sharding: a flow's hand of queues, dealt from a hash of the flow, as Kubernetes'.

A flow is hashed (sha256 of schema name, NUL, distinguisher; the first 8 bytes little-
endian, as k8s.io/apiserver's hashFlowID) and the hash dealt into `hand_size` distinct
queues of `deck_size` the way shufflesharding.Dealer deals (the hash read as mixed-radix
digits; the queues chosen are not promised to be Kubernetes' very ones). Two flows rarely share a whole hand, so
a flow that floods fills its own queues and rarely every queue another flow could use.
"""

from __future__ import annotations

import hashlib

MAX_HAND_SIZE = 15  # a 64-bit hash has entropy for no more (Kubernetes' limit)


def flow_hash(flow_schema: str, distinguisher: str) -> int:
    digest = hashlib.sha256(flow_schema.encode() + b"\0" + distinguisher.encode()).digest()
    return int.from_bytes(digest[:8], "little")


def deal(hash_value: int, deck_size: int, hand_size: int) -> list[int]:
    """`hand_size` distinct cards in [0, deck_size): the hash read as mixed-radix digits,
    each digit an index into the cards not yet dealt."""
    if not 0 < hand_size <= min(deck_size, MAX_HAND_SIZE):
        raise ValueError(f"hand size {hand_size} must be 1..{min(deck_size, MAX_HAND_SIZE)}")
    digits = []
    for i in range(hand_size):
        hash_value, digit = divmod(hash_value, deck_size - i)
        digits.append(digit)
    hand: list[int] = []
    for digit in digits:  # the digit-th card among those not yet in the hand
        card = digit
        for taken in sorted(hand):
            if card >= taken:
                card += 1
        hand.append(card)
    return hand
