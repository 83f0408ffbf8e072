"""The EndpointSlice controller's pure part with 10,000 Services x 100,000 pods (targets: a
full resync <= 2 s, one pod change <= 1 ms end to end). The resync reconciles every Service
against its slices, writing nothing; a start over existing slices adds matching every pod
(selector kernel, one rematch). A pod change is the handler's path: the view test, the
kernel's set_pod, the sync of each Service it affects. Run with
`pytest tests/bench/test_endpointslice_bench.py --benchmark-enable -s` (full size; a plain
run uses a tenth of it)."""

from __future__ import annotations

import copy
import time

import pytest

from kube.controllers.actions import Update
from tests.bench.endpointslice_sim import BROAD, PODS, SERVICES, Sim
from tests.fast.engines import kernel_module


@pytest.fixture(scope="module")
def sim(request: pytest.FixtureRequest) -> Sim:
    """Full size when benchmarking; a tenth (same shape) in a plain test run such as CI's."""
    kernel_module("selector_index", "cython")  # skip (fail in CI) when the extension is not built
    config = request.config
    full = bool(config.getoption("benchmark_enable")) or not config.getoption("benchmark_disable")
    s = Sim("cython", SERVICES if full else SERVICES // 10, PODS if full else PODS // 10)
    s.create_all()
    return s


def best_of(fn, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def test_full_resync_writes_nothing(sim: Sim, benchmark) -> None:
    slices = sum(len(v) for v in sim.slices.values())
    endpoints = sum(len(s["endpoints"]) for v in sim.slices.values() for s in v.values())
    services, pods = sim.size
    broad = [sim.services[f"default/s{i}"]["spec"]["selector"]["tier"] for i in range(services - BROAD, services)]
    assert endpoints == pods + sum(broad.count(p["metadata"]["labels"].get("tier")) for p in sim.pods.values())
    assert all(len(s["endpoints"]) <= 100 for v in sim.slices.values() for s in v.values())

    def resync() -> int:
        sim.match()
        return sim.resync()

    assert benchmark.pedantic(resync, rounds=1, iterations=1) == 0
    rounds = 1 if benchmark.disabled else 2  # a plain test run (CI) measures once
    match_s = best_of(sim.match, rounds)
    cpu = time.process_time()
    reconcile_s = best_of(sim.resync, rounds)
    cpu_s = (time.process_time() - cpu) / rounds
    benchmark.extra_info.update(match_s=match_s, reconcile_s=reconcile_s, reconcile_cpu_s=cpu_s, slices=slices,
                                endpoints=endpoints)
    print(f"\n{services} services x {pods} pods ({endpoints} endpoints in {slices} slices): "
          f"resync (reconcile all) {reconcile_s * 1000:.0f} ms wall, {cpu_s * 1000:.0f} ms CPU; "
          f"start (match + reconcile) {(match_s + reconcile_s) * 1000:.0f} ms")


def test_one_pod_change_updates_only_its_slice(sim: Sim, benchmark) -> None:
    def flip(j: int):
        key = f"default/p{j}"
        new = copy.deepcopy(sim.pods[key])
        cond = new["status"]["conditions"][0]
        cond["status"] = "False" if cond["status"] == "True" else "True"
        return lambda: sim.pod_changed(key, new)

    actions = flip(0)()
    assert [type(a) for a in actions] == [Update] and actions[0].obj["metadata"]["labels"][
        "kubernetes.io/service-name"] == "s0"
    assert {e["targetRef"]["name"]: e["conditions"]["ready"] for e in actions[0].obj["endpoints"]}["p0"] is False
    wide = flip(1)()
    assert sorted(a.obj["metadata"]["labels"]["kubernetes.io/service-name"] for a in wide) == ["s1", f"s{sim.size[0] - 3}"]
    assert all(isinstance(a, Update) for a in wide)

    back = flip(0)  # ready again
    back()
    changes = [back, flip(0)]  # then not ready, ready, ... (each differs from the one before)
    state = {"n": 0}

    def change():
        state["n"] ^= 1
        return changes[state["n"]]()

    assert len(benchmark.pedantic(change, rounds=50, iterations=1)) == 1
    narrow_s = best_of(lambda: [change() for _ in range(100)], 1 if benchmark.disabled else 3) / 100
    wide_s = best_of(flip(1), 1)
    benchmark.extra_info.update(narrow_ms=narrow_s * 1000, wide_ms=wide_s * 1000)
    print(f"\none pod change: in one 10-pod service {narrow_s * 1e6:.0f} us; "
          f"in a 10-pod and a {sim.size[1] // 4}-pod service {wide_s * 1000:.0f} ms")
