"""Pure-Python twin of selector_index.pyx: which Services' equality selectors a pod's labels satisfy.

Labels arrive interned by the caller: every `key=value` pair is one small non-negative
integer (a pair id), and a Service selector is the set of pair ids it requires (Services
use equality-only selectors, and the caller adds a namespace pseudo-pair to both sides
so a selector never reaches across namespaces).

Each service is filed under ONE of its pairs, its *anchor*: the pair the fewest services
require when it is added. A pod can only match services anchored at one of its own
pairs, so a pod change looks at those few candidates and verifies their other pairs,
instead of testing every selector. A service with no pairs matches nothing (a Service
without a selector gets no Endpoints).

Both engines expose the same class and return the same values; tests/fast runs one suite
over both.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable


class SelectorIndex:
    def __init__(self) -> None:
        self._required: dict[int, tuple[int, ...]] = {}  # service id -> its pair ids (sorted, unique)
        self._anchor: dict[int, int] = {}  # service id -> the pair it is filed under
        self._anchored: dict[int, list[int]] = {}  # pair id -> services anchored at it
        self._demand: dict[int, int] = {}  # pair id -> how many services require it
        self._pods: dict[int, tuple[int, ...]] = {}  # pod id -> its pair ids
        self._max_service = -1

    # --- services ----------------------------------------------------------------------------

    @property
    def n_services(self) -> int:
        return len(self._required)

    @property
    def n_pods(self) -> int:
        return len(self._pods)

    def set_service(self, sid: int, pairs: Iterable[int]) -> None:
        """Add a service, or replace its selector."""
        _check_id(sid)
        required = _normalised(pairs)
        if sid in self._required:
            self.remove_service(sid)
        if not required:
            self._required[sid] = ()
            self._max_service = max(self._max_service, sid)
            return
        anchor = min(required, key=lambda p: (self._demand.get(p, 0), p))
        for p in required:
            self._demand[p] = self._demand.get(p, 0) + 1
        self._required[sid] = required
        self._anchor[sid] = anchor
        self._anchored.setdefault(anchor, []).append(sid)
        self._max_service = max(self._max_service, sid)

    def remove_service(self, sid: int) -> None:
        required = self._required.pop(sid, None)
        if required is None:
            return
        for p in required:
            left = self._demand[p] - 1
            if left:
                self._demand[p] = left
            else:
                del self._demand[p]
        anchor = self._anchor.pop(sid, None)
        if anchor is not None:
            members = self._anchored[anchor]
            members.remove(sid)
            if not members:
                del self._anchored[anchor]

    # --- pods --------------------------------------------------------------------------------

    def match_pod(self, pairs: Iterable[int]) -> list[int]:
        """Service ids (ascending) whose every required pair is among `pairs`."""
        return self._match(frozenset(pairs))

    def set_pod(self, pid: int, pairs: Iterable[int]) -> list[int]:
        """Add or update a pod; the services whose membership may have changed (old matches
        and new matches, ascending): the only Endpoints a pod change can affect."""
        _check_id(pid)
        new = _normalised(pairs)
        old = self._pods.get(pid)
        self._pods[pid] = new
        matched = set(self._match(frozenset(new)))
        if old is not None:
            matched.update(self._match(frozenset(old)))
        return sorted(matched)

    def remove_pod(self, pid: int) -> list[int]:
        """Forget a pod; the services it matched."""
        old = self._pods.pop(pid, None)
        return [] if old is None else self._match(frozenset(old))

    def pod_services(self, pid: int) -> list[int]:
        pairs = self._pods.get(pid)
        return [] if pairs is None else self._match(frozenset(pairs))

    def rematch_all(self) -> tuple[array, array]:
        """The whole matrix, grouped by service: pods of service s (ascending pod ids) are
        `pods[offsets[s]:offsets[s+1]]`, for s in 0..max service id."""
        n = self._max_service + 1
        counts = [0] * (n + 1)
        hits: list[tuple[int, int]] = []
        for pid in sorted(self._pods):
            for sid in self._match(frozenset(self._pods[pid])):
                counts[sid + 1] += 1
                hits.append((sid, pid))
        offsets = array("q", [0]) * (n + 1)
        for s in range(n):
            offsets[s + 1] = offsets[s] + counts[s + 1]
        pods = array("i", [0]) * len(hits)
        fill = list(offsets[:n]) if n else []
        for sid, pid in hits:
            pods[fill[sid]] = pid
            fill[sid] += 1
        return offsets, pods

    def _match(self, have: frozenset[int]) -> list[int]:
        out: list[int] = []
        for p in have:
            for sid in self._anchored.get(p, ()):
                if all(q in have for q in self._required[sid]):
                    out.append(sid)
        out.sort()
        return out


def _normalised(pairs: Iterable[int]) -> tuple[int, ...]:
    result = tuple(sorted(set(pairs)))
    if result and result[0] < 0:
        raise ValueError(f"pair ids are non-negative, got {result[0]}")
    return result


def _check_id(value: int) -> None:
    if value < 0:
        raise ValueError(f"ids are non-negative, got {value}")
