"""One scheduling profile: its plugins, the kernel, and a scheduling cycle for a pod.

The cycle is kube-scheduler's: PreFilter/PreScore (plugins compile the pod
into kernel inputs, cached per pod shape), Filter + Score + NormalizeScore
(the kernel, over every node), PostFilter on failure, then selection (ties
broken by a seeded RNG so runs are reproducible). Reserve and Bind follow in
the scheduler loop (scheduler.py) through the assume cache.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass, field

from kube._fast import load
from kube._fast import score_layout as k
from kube.api.errors import StatusError
from kube.scheduler.config import Profile
from kube.scheduler.cycle_state import CycleState
from kube.scheduler.fit_error import fit_message, reason_histogram
from kube.scheduler.node_table import NodeTable
from kube.scheduler.plugin import Plugin, PrepareContext
from kube.scheduler.plugins import BUILTIN
from kube.scheduler.plugins.pod_affinity_terms import anti_terms
from kube.scheduler.pod_counts import AntiTerm, PodCounts
from kube.scheduler.pod_info import PodInfo
from kube.scheduler.pod_inputs import PodInputs
from kube.scheduler.resources import Requests, pod_requests


@dataclass
class Prepared:
    """Everything derived from a pod shape, valid while the node table's gen is `gen`."""

    gen: int
    inputs: array | None
    requests: Requests | None
    anti: tuple[AntiTerm, ...]
    error: str = ""
    state: CycleState = field(default_factory=CycleState)


@dataclass
class Outcome:
    slot: int  # -1: unschedulable
    node: str | None
    feasible: int
    message: str = ""  # FailedScheduling text when slot < 0
    error: bool = False  # the pod itself is invalid (not a capacity problem)


class Framework:
    def __init__(self, profile: Profile, table: NodeTable, counts: PodCounts, engine: str = "auto",
                 seed: int = 0) -> None:
        self.profile = profile
        self.table = table
        self.counts = counts
        self.ctx = PrepareContext(table, counts)
        self.plugins: list[Plugin] = [BUILTIN[n](profile.args.get(n)) for n in profile.plugins]
        self.module = load("score", engine)
        self.engine = "python" if self.module.__name__.endswith("_py") else "cython"
        self.kernel = self.module.ScoreKernel()
        self.rng = random.Random(seed)
        self._prepared: dict[bytes, Prepared] = {}
        self._layout = -1
        self._cap = -1
        self._scratch_len = 0
        prof = [0] * k.PROFILE_LEN
        for p in self.plugins:
            prof[k.PR_FILTERS] |= p.filter_bit
            if p.score_index >= 0:
                prof[p.score_index] = profile.weight(p.name)
            if p.strategy is not None:
                prof[k.PR_STRATEGY] = p.strategy
        self.profile_array = array("q", prof)
        self.kernel.bind_profile(self.profile_array)
        self._py_filters = [p for p in self.plugins if p.has_python_filter]
        self._py_scores = [p for p in self.plugins if p.has_python_score]

    # --- PreFilter / PreScore, once per pod shape
    def prepare(self, pod: PodInfo) -> Prepared:
        entry = self._prepared.get(pod.shape)
        if entry is not None and entry.gen == self.table.gen:
            return entry
        try:
            requests = pod_requests(pod.spec)
            anti = anti_terms(pod.spec, pod.namespace)
            inputs = PodInputs()
            state = CycleState()
            for p in self.plugins:
                p.pre_filter(state, pod, inputs, self.ctx)
            entry = Prepared(self.table.gen, inputs.build(), requests, anti, state=state)
        except StatusError as exc:
            entry = Prepared(self.table.gen, None, None, (), error=exc.message)
        if len(self._prepared) > 4096:
            self._prepared.clear()
        self._prepared[pod.shape] = entry
        return entry

    def _bind_columns(self) -> None:
        t = self.table
        need = k.N_SCORES * t.cap + 2 * (t.max_values() + 1)
        if t.cap != self._cap or need > self._scratch_len:
            self._cap = t.cap
            self._scratch_len = need + t.cap
            self.scores = array("q", bytes(8 * t.cap))
            self.reasons = array("i", bytes(4 * t.cap))
            self.scratch = array("q", bytes(8 * self._scratch_len))
            self.kernel.bind_work(self.scores, self.reasons, self.scratch)
        self.kernel.bind_nodes(t.cap, t.alive, t.unsched, t.res, t.taints, t.labels, t.images, t.series)
        self._layout = t.layout

    # --- Filter, Score, NormalizeScore, selection
    def run(self, pod: PodInfo, prepared: Prepared | None = None) -> Outcome:
        prep = prepared or self.prepare(pod)
        if prep.inputs is None:
            return Outcome(-1, None, 0, prep.error, error=True)
        t = self.table
        if t.layout != self._layout or 2 * (t.max_values() + 1) + k.N_SCORES * t.cap > self._scratch_len:
            self._bind_columns()
        slot, feasible = self.kernel.schedule(t.count, prep.inputs, self.rng.getrandbits(64))
        if self._py_filters or self._py_scores:
            slot, feasible = self._python_plugins(prep.state, pod)
        if slot >= 0:
            return Outcome(slot, t.names[slot], feasible)
        return Outcome(-1, None, 0, self.diagnose(prep.state, pod))

    def diagnose(self, state: CycleState, pod: PodInfo) -> str:
        """FailedScheduling text from the kernel's per-node reasons (only on failure: O(nodes))."""
        t = self.table
        hist = reason_histogram(self.reasons[: t.count], self.plugins, t.taints_by_bit)
        for p in self.plugins:
            p.post_filter(state, pod, dict(hist))
        return fit_message(t.nodes, hist)

    def _python_plugins(self, state: CycleState, pod: PodInfo) -> tuple[int, int]:
        t = self.table
        best, ties, feasible = -1, [], 0
        for n in range(t.count):
            if self.scores[n] < 0 or self.reasons[n] != k.R_OK:
                continue
            name = t.names[n]
            failed = next((r for p in self._py_filters if (r := p.filter(state, pod, name))), None)
            if failed:
                self.scores[n] = -1
                self.reasons[n] = k.R_DEAD - 1
                continue
            feasible += 1
            total = self.scores[n] + sum(self.profile.weight(p.name) * p.score(state, pod, name)
                                         for p in self._py_scores)
            if total > best:
                best, ties = total, [n]
            elif total == best:
                ties.append(n)
        return (self.rng.choice(ties) if ties else -1), feasible
