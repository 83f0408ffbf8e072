"""The cluster's nodes as columns for the `score` kernel, updated incrementally.

One slot per node; every column is a flat typed array so the kernel reads it
without touching Python objects. Label values are interned per key (value id
= topology domain id), distinct taints get one bit each, images one byte row
each, and count series (pods matching a selector, see pod_counts.py) one int
row each. `gen` changes when anything a prepared pod input refers to
(interned ids, node indices, image spread) changes; `layout` changes when
the arrays are reallocated so the kernel must be rebound.
"""

from __future__ import annotations

from array import array
from typing import Any

from kube._fast.score_layout import (
    MAX_TAINTS,
    RES_ALLOC_CPU,
    RES_ALLOC_MEM,
    RES_ALLOC_PODS,
    RES_NZ_CPU,
    RES_NZ_MEM,
    RES_REQ_CPU,
    RES_REQ_MEM,
    RES_REQ_PODS,
    RES_STRIDE,
)
from kube.api.errors import bad_request
from kube.scheduler.resources import node_allocatable

HARD_EFFECTS = ("NoSchedule", "NoExecute")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
NAME_LABEL = "\x00metadata.name"  # pseudo-label holding the node name, for matchFields
Taint = tuple[str, str, str]  # key, value, effect


class NodeTable:
    def __init__(self, capacity: int = 64) -> None:
        self.cap = max(8, capacity)
        self.count = 0  # slots in use, alive or free
        self.names: list[str | None] = []
        self.index: dict[str, int] = {}
        self.free: list[int] = []
        self.node_labels: list[dict[str, str]] = []
        self.node_taints: list[tuple[Taint, ...]] = []
        self.node_images: list[dict[int, int]] = []  # image row -> size on that node
        self.key_row: dict[str, int] = {}
        self.values: list[dict[str, int]] = []  # per key row: value -> id
        self.taint_bit: dict[Taint, int] = {}
        self.taints_by_bit: list[Taint] = []
        self.image_row: dict[str, int] = {}
        self.image_size: list[int] = []
        self.image_nodes: list[int] = []
        self.series_rows = 0
        self.gen = 0
        self.layout = 0
        self._allocate(self.cap)

    # --- storage
    def _allocate(self, cap: int) -> None:
        old = self.__dict__.get("alive")
        old_cap = self.cap if old is not None else 0
        n = self.count
        alive, unsched = array("B", bytes(cap)), array("B", bytes(cap))
        res = array("q", bytes(8 * cap * RES_STRIDE))
        taints = array("Q", bytes(8 * cap))
        labels = array("i", [-1]) * (cap * max(1, len(self.key_row)))
        images = array("B", bytes(cap * len(self.image_row)))
        series = array("i", bytes(4 * cap * self.series_rows))
        if old is not None:
            alive[:n], unsched[:n] = self.alive[:n], self.unsched[:n]
            res[: n * RES_STRIDE] = self.res[: n * RES_STRIDE]
            taints[:n] = self.taints[:n]
            for r in range(len(self.key_row)):
                labels[r * cap : r * cap + n] = self.labels[r * old_cap : r * old_cap + n]
            for r in range(len(self.image_row)):
                images[r * cap : r * cap + n] = self.images[r * old_cap : r * old_cap + n]
            for r in range(self.series_rows):
                series[r * cap : r * cap + n] = self.series[r * old_cap : r * old_cap + n]
        self.cap = cap
        self.alive, self.unsched, self.res, self.taints = alive, unsched, res, taints
        self.labels, self.images, self.series = labels, images, series
        self.layout += 1

    def _add_key(self, key: str) -> int:
        row = len(self.key_row)
        self.key_row[key] = row
        self.values.append({})
        if row > 0:
            self.labels = self.labels + array("i", [-1]) * self.cap  # new array: the kernel holds views
            self.layout += 1
        self.gen += 1
        return row

    def _value_id(self, row: int, value: str) -> int:
        ids = self.values[row]
        vid = ids.get(value)
        if vid is None:
            vid = ids[value] = len(ids)
            self.gen += 1
        return vid

    def _taint(self, taint: Taint) -> int:
        bit = self.taint_bit.get(taint)
        if bit is None:
            if len(self.taints_by_bit) >= MAX_TAINTS:
                raise bad_request(f"too many distinct node taints (limit {MAX_TAINTS})")
            bit = self.taint_bit[taint] = len(self.taints_by_bit)
            self.taints_by_bit.append(taint)
            self.gen += 1
        return bit

    def _image(self, name: str) -> int:
        row = self.image_row.get(name)
        if row is None:
            row = self.image_row[name] = len(self.image_size)
            self.image_size.append(0)
            self.image_nodes.append(0)
            self.images = self.images + array("B", bytes(self.cap))
            self.layout += 1
        return row

    def add_series(self) -> int:
        """A new zeroed count row; returns its index."""
        self.series = self.series + array("i", bytes(4 * self.cap))
        self.series_rows += 1
        self.layout += 1
        self.gen += 1
        return self.series_rows - 1

    # --- nodes
    def set_node(self, node: dict[str, Any]) -> int:
        """Add or update a node from its API object; returns its slot."""
        meta = node.get("metadata") or {}
        name = meta.get("name")
        if not name:
            raise bad_request("node: metadata.name: Required value")
        spec = node.get("spec") or {}
        alloc = node_allocatable(node)
        slot = self.index.get(name)
        if slot is None:
            slot = self._new_slot(name)
        b = slot * RES_STRIDE
        self.res[b + RES_ALLOC_CPU], self.res[b + RES_ALLOC_MEM], self.res[b + RES_ALLOC_PODS] = alloc
        self.unsched[slot] = 1 if spec.get("unschedulable") else 0
        self._set_labels(slot, {**(meta.get("labels") or {}), NAME_LABEL: name})
        self._set_taints(slot, spec.get("taints") or ())
        self._set_images(slot, (node.get("status") or {}).get("images") or ())
        return slot

    def _new_slot(self, name: str) -> int:
        if self.free:
            slot = self.free.pop()
        else:
            if self.count == self.cap:
                self._allocate(self.cap * 2)
            slot = self.count
            self.count += 1
            self.names.append(None)
            self.node_labels.append({})
            self.node_taints.append(())
            self.node_images.append({})
        self.names[slot] = name
        self.index[name] = slot
        self.alive[slot] = 1
        self.gen += 1
        return slot

    def _set_labels(self, slot: int, labels: dict[str, str]) -> None:
        if labels == self.node_labels[slot]:
            return
        cap = self.cap
        for key in self.node_labels[slot]:
            if key not in labels:
                self.labels[self.key_row[key] * cap + slot] = -1
        for key, value in labels.items():
            row = self.key_row.get(key)
            if row is None:
                row = self._add_key(key)
            self.labels[row * self.cap + slot] = self._value_id(row, str(value))
        self.node_labels[slot] = dict(labels)

    def _set_taints(self, slot: int, taints: Any) -> None:
        parsed = tuple(
            (str(t.get("key", "")), str(t.get("value", "") or ""), str(t.get("effect", "")))
            for t in taints if t.get("effect") in TAINT_EFFECTS)
        if parsed == self.node_taints[slot]:
            return
        mask = 0
        for t in parsed:
            mask |= 1 << self._taint(t)
        self.taints[slot] = mask
        self.node_taints[slot] = parsed

    def _set_images(self, slot: int, images: Any) -> None:
        now: dict[int, int] = {}
        for img in images:
            size = int(img.get("sizeBytes") or 0)
            for nm in img.get("names") or ():
                now[self._image(_normalize_image(nm))] = size
        before = self.node_images[slot]
        if now == before:
            return
        cap = self.cap
        for row in before:
            if row not in now:
                self.images[row * cap + slot] = 0
                self.image_nodes[row] -= 1
        for row, size in now.items():
            if row not in before:
                self.images[row * cap + slot] = 1
                self.image_nodes[row] += 1
            self.image_size[row] = max(self.image_size[row], size)
        self.node_images[slot] = now
        self.gen += 1

    def remove_node(self, name: str) -> int | None:
        """Forget a node; its slot is zeroed and reused. Returns the slot it had."""
        slot = self.index.pop(name, None)
        if slot is None:
            return None
        self._set_labels(slot, {})
        self._set_images(slot, ())
        self.node_taints[slot] = ()
        self.taints[slot] = 0
        self.alive[slot] = 0
        self.unsched[slot] = 0
        b = slot * RES_STRIDE
        self.res[b : b + RES_STRIDE] = array("q", bytes(8 * RES_STRIDE))
        cap = self.cap
        for r in range(self.series_rows):
            self.series[r * cap + slot] = 0
        self.names[slot] = None
        self.free.append(slot)
        self.gen += 1
        return slot

    # --- pods counted on nodes
    def add_requests(self, slot: int, cpu: int, mem: int, nz_cpu: int, nz_mem: int, sign: int) -> None:
        res, b = self.res, slot * RES_STRIDE
        res[b + RES_REQ_CPU] += sign * cpu
        res[b + RES_REQ_MEM] += sign * mem
        res[b + RES_REQ_PODS] += sign
        res[b + RES_NZ_CPU] += sign * nz_cpu
        res[b + RES_NZ_MEM] += sign * nz_mem

    @property
    def nodes(self) -> int:
        return len(self.index)

    def max_values(self) -> int:
        return max((len(v) for v in self.values), default=0)

    def requested(self, slot: int) -> tuple[int, int, int]:
        b = slot * RES_STRIDE
        return self.res[b + RES_REQ_CPU], self.res[b + RES_REQ_MEM], self.res[b + RES_REQ_PODS]

    def allocatable(self, slot: int) -> tuple[int, int, int]:
        b = slot * RES_STRIDE
        return self.res[b + RES_ALLOC_CPU], self.res[b + RES_ALLOC_MEM], self.res[b + RES_ALLOC_PODS]


def _normalize_image(name: str) -> str:
    """`nginx` and `docker.io/library/nginx:latest` name the same image."""
    if "@" not in name and ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    if name.count("/") == 0:
        name = "docker.io/library/" + name
    elif "." not in name.split("/", 1)[0] and ":" not in name.split("/", 1)[0]:
        name = "docker.io/" + name
    return name


normalize_image = _normalize_image
