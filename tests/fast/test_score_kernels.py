"""One suite for both `score` engines: same API, identical scores and choices,
and the chosen node always feasible (checked by an independent oracle)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube.scheduler.cache import SchedulerCache
from kube.scheduler.config import Profile
from kube.scheduler.framework import Framework
from kube.scheduler.pod_info import pod_info
from tests.fast.engines import ENGINES, kernel_module
from tests.scheduler.objects import HOST, ZONE, node, pod


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    kernel_module("score", request.param)  # skip (fail in CI) when the extension is not built
    return request.param


@pytest.fixture(scope="module")
def both_engines() -> None:
    for name in ENGINES:
        kernel_module("score", name)


def test_the_framework_runs_the_engine_it_is_given(engine: str) -> None:
    fw = Framework(Profile(), SchedulerCache().table, SchedulerCache().counts, engine)
    assert fw.engine == engine and fw.module is kernel_module("score", engine)


def test_empty_cluster_has_no_choice(engine: str) -> None:
    cache = SchedulerCache()
    fw = Framework(Profile(), cache.table, cache.counts, engine)
    out = fw.run(pod_info(pod("p")))
    assert out.node is None and out.message == "no nodes available to schedule pods"


# --- hypothesis clusters
TAINTS = [{"key": "gpu", "value": "1", "effect": "NoSchedule"},
          {"key": "spot", "value": "", "effect": "PreferNoSchedule"},
          {"key": "old", "value": "y", "effect": "NoExecute"}]
TOLERATIONS = [{"key": "gpu", "operator": "Exists"}, {"key": "old", "operator": "Equal", "value": "y"},
               {"key": "spot", "operator": "Exists", "effect": "PreferNoSchedule"}]
IMAGES = ["img-a", "img-b"]

node_st = st.fixed_dictionaries({
    "cpu": st.integers(1, 4), "pods": st.integers(1, 4), "zone": st.sampled_from(["z0", "z1", "z2", None]),
    "disk": st.sampled_from(["ssd", "hdd", None]), "rank": st.integers(0, 9),
    "taints": st.lists(st.sampled_from(range(3)), max_size=2, unique=True),
    "unsched": st.booleans(),
    "images": st.lists(st.sampled_from(IMAGES), max_size=2, unique=True),
})
existing_st = st.lists(st.tuples(st.integers(0, 7), st.integers(100, 1500), st.sampled_from(["a", "b"])),
                       max_size=10)
expr_st = st.sampled_from([
    None,
    {"key": "disk", "operator": "In", "values": ["ssd"]},
    {"key": "disk", "operator": "NotIn", "values": ["hdd"]},
    {"key": "disk", "operator": "Exists"},
    {"key": "disk", "operator": "DoesNotExist"},
    {"key": "rank", "operator": "Gt", "values": ["4"]},
    {"key": "rank", "operator": "Lt", "values": ["6"]},
])
pod_st = st.fixed_dictionaries({
    "cpu": st.integers(0, 2000), "app": st.sampled_from(["a", "b"]), "expr": expr_st,
    "preferred": st.booleans(), "tols": st.lists(st.sampled_from(range(3)), max_size=3, unique=True),
    "anti": st.sampled_from([None, HOST, ZONE]), "affinity": st.sampled_from([None, HOST, ZONE]),
    "spread": st.sampled_from([None, "DoNotSchedule", "ScheduleAnyway"]), "image": st.sampled_from(IMAGES),
    "selector": st.sampled_from([None, {"disk": "ssd"}]), "most": st.booleans(),
})


def build_node(i: int, d: dict) -> dict:
    labels = {"rank": str(d["rank"])}
    if d["disk"]:
        labels["disk"] = d["disk"]
    return node(f"n{i}", cpu=str(d["cpu"]), pods=d["pods"], zone=d["zone"], labels=labels,
                taints=[TAINTS[t] for t in d["taints"]], unschedulable=d["unsched"],
                images=[{"names": [img], "sizeBytes": 200 * 1024 * 1024} for img in d["images"]])


def build_pod(d: dict) -> dict:
    spec: dict = {"tolerations": [TOLERATIONS[t] for t in d["tols"]]}
    aff: dict = {}
    if d["expr"]:
        aff["nodeAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [d["expr"]]}]}}
    if d["preferred"]:
        aff.setdefault("nodeAffinity", {})["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": 5, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["hdd"]}]}}]
    if d["anti"]:
        aff["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": d["app"]}}, "topologyKey": d["anti"]}]}
    if d["affinity"]:
        aff["podAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 7, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "b"}},
                                              "topologyKey": d["affinity"]}}]}
    if aff:
        spec["affinity"] = aff
    if d["spread"]:
        spec["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": d["spread"],
                                              "labelSelector": {"matchLabels": {"app": d["app"]}}}]
    if d["selector"]:
        spec["nodeSelector"] = d["selector"]
    return pod("incoming", cpu=f"{d['cpu']}m" if d["cpu"] else None, labels={"app": d["app"]},
               image=d["image"], **spec)


def oracle_feasible(nodes: list[dict], existing: list[tuple[str, int, str]], p: dict, name: str) -> bool:
    """Plain-dict re-statement of the hard constraints, independent of the kernel."""
    n = next(x for x in nodes if x["metadata"]["name"] == name)
    labels = n["metadata"]["labels"]
    spec = p["spec"]
    tols = spec.get("tolerations") or []
    if n["spec"].get("unschedulable"):
        return False
    for t in n["spec"].get("taints") or []:
        if t["effect"] == "PreferNoSchedule":
            continue
        if not any((not tol.get("key") or tol["key"] == t["key"]) and (not tol.get("effect") or tol["effect"] == t["effect"])
                   and (tol.get("operator") == "Exists" or tol.get("value", "") == t["value"]) for tol in tols):
            return False
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    req = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    if req:
        e = req["nodeSelectorTerms"][0]["matchExpressions"][0]
        v = labels.get(e["key"])
        ok = {"In": lambda: v in e["values"], "NotIn": lambda: v not in e["values"],
              "Exists": lambda: v is not None, "DoesNotExist": lambda: v is None,
              "Gt": lambda: v is not None and int(v) > int(e["values"][0]),
              "Lt": lambda: v is not None and int(v) < int(e["values"][0])}[e["operator"]]()
        if not ok:
            return False
    on_node = [e for e in existing if e[0] == name]
    cpu = sum(e[1] for e in on_node)
    want = int(spec["containers"][0]["resources"]["requests"].get("cpu", "0m")[:-1] or 0)
    alloc = int(n["status"]["allocatable"]["cpu"]) * 1000
    if (want and cpu + want > alloc) or len(on_node) + 1 > int(n["status"]["allocatable"]["pods"]):
        return False
    anti = ((spec.get("affinity") or {}).get("podAntiAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    if anti:
        key = anti[0]["topologyKey"]
        app = anti[0]["labelSelector"]["matchLabels"]["app"]
        dom = labels.get(key)
        if dom is not None:
            for node_name, _, other_app in existing:
                other = next(x for x in nodes if x["metadata"]["name"] == node_name)
                if other_app == app and other["metadata"]["labels"].get(key) == dom:
                    return False
    return True


def run_engine(engine: str, nodes: list[dict], existing, p: dict, most: bool):
    cache = SchedulerCache()
    for n in nodes:
        cache.set_node(n)
    for i, (name, cpu, app) in enumerate(existing):
        cache.add_pod(pod(f"old{i}", cpu=f"{cpu}m", labels={"app": app}, node_name=name))
    args = {"NodeResourcesFit": {"scoringStrategy": {"type": "MostAllocated"}}} if most else {}
    fw = Framework(Profile(args=args), cache.table, cache.counts, engine, seed=7)
    out = fw.run(pod_info(p))
    n = cache.table.count
    return out, list(fw.scores[:n]), list(fw.reasons[:n])


@settings(max_examples=150, deadline=None)
@given(nodes_d=st.lists(node_st, min_size=1, max_size=8), existing_d=existing_st, pod_d=pod_st)
def test_engines_agree_and_choice_is_feasible(both_engines, nodes_d, existing_d, pod_d):
    nodes = [build_node(i, d) for i, d in enumerate(nodes_d)]
    existing = [(f"n{i % len(nodes)}", cpu, app) for i, cpu, app in existing_d]
    p = build_pod(pod_d)
    cy = run_engine("cython", nodes, existing, p, pod_d["most"])
    py = run_engine("python", nodes, existing, p, pod_d["most"])
    assert cy == py
    out = cy[0]
    if out.node is not None:
        assert oracle_feasible(nodes, existing, p, out.node)
        assert cy[1][out.slot] == max(cy[1])
    elif not pod_d["spread"] == "DoNotSchedule":
        # nothing chosen: the oracle agrees no node fits (spread is not restated by the oracle)
        assert not any(oracle_feasible(nodes, existing, p, n["metadata"]["name"]) for n in nodes)


def test_ties_are_broken_by_the_seed_reproducibly(engine: str) -> None:
    def choices(seed: int) -> list[str]:
        cache = SchedulerCache()
        for i in range(8):
            cache.set_node(node(f"n{i}"))
        fw = Framework(Profile(), cache.table, cache.counts, engine, seed=seed)
        return [fw.run(pod_info(pod(f"p{j}"))).node for j in range(20)]  # never assumed: all nodes tie

    assert choices(1) == choices(1)
    assert len(set(choices(1))) > 1  # ties do not always go to the first node
    assert choices(1) != choices(2)
