"""Per-node counts of pods matching each selector in use, kept incrementally.

A series is one int row of the node table: for a "match" series, how many
pods on each node match a (namespaces, selector); for an "anti" series, how
many pods on each node carry a required anti-affinity term with that
(namespaces, selector, topology key), so an incoming pod the term selects can
be kept out of their domains. The kernel folds a row into per-domain counts
for any topology key, so one row serves zone, hostname and any other key.
Adding a pod costs one cached lookup plus one increment per series it is in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kube.scheduler.label_selector import SelectorKey, matches
from kube.scheduler.node_table import NodeTable

Namespaces = frozenset[str] | None  # None: every namespace
AntiTerm = tuple[Namespaces, SelectorKey, str]  # namespaces, selector, topology key


@dataclass
class CountedPod:
    slot: int
    rows: tuple[int, ...]


@dataclass
class PodCounts:
    table: NodeTable
    match_rows: dict[tuple[Namespaces, SelectorKey], int] = field(default_factory=dict)
    anti_rows: dict[AntiTerm, int] = field(default_factory=dict)
    counted: dict[str, CountedPod] = field(default_factory=dict)
    identity: dict[str, tuple[str, tuple[tuple[str, str], ...], tuple[AntiTerm, ...]]] = field(
        default_factory=dict)
    _rows_cache: dict[tuple, tuple[int, ...]] = field(default_factory=dict)
    _anti_cache: dict[tuple, tuple[tuple[int, str], ...]] = field(default_factory=dict)

    # --- series
    def match_series(self, namespaces: Namespaces, selector: SelectorKey) -> int:
        """Row counting pods in `namespaces` matched by `selector`, created on first use."""
        key = (namespaces, selector)
        row = self.match_rows.get(key)
        if row is None:
            row = self.match_rows[key] = self.table.add_series()
            self._backfill(row, lambda ns, labels, _anti: _in(ns, namespaces) and matches(selector, labels))
        return row

    def _anti_series(self, term: AntiTerm) -> int:
        row = self.anti_rows.get(term)
        if row is None:
            row = self.anti_rows[term] = self.table.add_series()
            self._backfill(row, lambda _ns, _labels, anti: term in anti)
        return row

    def _backfill(self, row: int, member) -> None:
        self._rows_cache.clear()
        self._anti_cache.clear()
        cap, series = self.table.cap, self.table.series
        for uid, pod in self.counted.items():
            ns, labels, anti = self.identity[uid]
            if member(ns, dict(labels), anti):
                series[row * cap + pod.slot] += 1
                pod.rows = pod.rows + (row,)

    def rows_of(self, namespace: str, labels: tuple[tuple[str, str], ...], anti: tuple[AntiTerm, ...]) -> tuple[int, ...]:
        """Series a pod with this identity counts in (cached per identity)."""
        key = (namespace, labels, anti)
        rows = self._rows_cache.get(key)
        if rows is None:
            for term in anti:
                self._anti_series(term)
            as_dict = dict(labels)
            rows = tuple(
                row for (ns, sel), row in self.match_rows.items() if _in(namespace, ns) and matches(sel, as_dict)
            ) + tuple(self.anti_rows[t] for t in dict.fromkeys(anti))
            self._rows_cache[key] = rows
        return rows

    def anti_against(self, namespace: str, labels: tuple[tuple[str, str], ...]) -> tuple[tuple[int, str], ...]:
        """(row, topology key) of existing pods' anti-affinity terms that select this pod."""
        key = (namespace, labels)
        found = self._anti_cache.get(key)
        if found is None:
            as_dict = dict(labels)
            found = tuple(
                (row, topo) for (ns, sel, topo), row in self.anti_rows.items()
                if _in(namespace, ns) and matches(sel, as_dict))
            self._anti_cache[key] = found
        return found

    # --- pods
    def add(self, uid: str, namespace: str, labels: tuple[tuple[str, str], ...],
            anti: tuple[AntiTerm, ...], slot: int) -> None:
        if uid in self.counted:
            self.remove(uid)
        rows = self.rows_of(namespace, labels, anti)
        cap, series = self.table.cap, self.table.series
        for row in rows:
            series[row * cap + slot] += 1
        self.counted[uid] = CountedPod(slot, rows)
        self.identity[uid] = (namespace, labels, anti)

    def remove(self, uid: str) -> None:
        pod = self.counted.pop(uid, None)
        self.identity.pop(uid, None)
        if pod is None or self.table.names[pod.slot] is None:
            return
        cap, series = self.table.cap, self.table.series
        for row in pod.rows:
            series[row * cap + pod.slot] -= 1

    def forget_slot(self, slot: int) -> None:
        """A node went away: the pods counted on it no longer count anywhere."""
        for uid in [u for u, p in self.counted.items() if p.slot == slot]:
            self.counted.pop(uid)
            self.identity.pop(uid, None)


def _in(namespace: str, namespaces: Namespaces) -> bool:
    return namespaces is None or namespace in namespaces
