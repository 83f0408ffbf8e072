"""Creating strategic merge patches as kubectl does, and the round trip apply(a, create(a, b)) == b."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kube.api.patch import apply_strategic_merge_patch, create_strategic_merge_patch
from kube.api.patch.json_equality import json_equal


def pod_with_ports(*ports: int) -> dict[str, Any]:
    return {"spec": {"containers": [{"name": "nginx", "image": "nginx",
                                     "ports": [{"containerPort": p} for p in ports]}]}}


def test_matches_the_patch_kubectl_sends_for_a_changed_port() -> None:
    patch = create_strategic_merge_patch(pod_with_ports(80), pod_with_ports(8080), "Pod")
    # recorded from kubectl (docs: shared/notes/kubectl-protocol.md), inside the pod's spec
    kubectl = {"$setElementOrder/containers": [{"name": "nginx"}],
               "containers": [{"$setElementOrder/ports": [{"containerPort": 8080}], "name": "nginx",
                               "ports": [{"containerPort": 8080}, {"$patch": "delete", "containerPort": 80}]}]}
    assert patch == {"spec": kubectl}


def test_equal_objects_give_an_empty_patch() -> None:
    assert create_strategic_merge_patch(pod_with_ports(80), pod_with_ports(80), "Pod") == {}


def test_removed_fields_are_null_and_primitive_lists_use_directives() -> None:
    a = {"metadata": {"labels": {"a": "1", "b": "2"}, "finalizers": ["x", "y"]}}
    b = {"metadata": {"labels": {"a": "1"}, "finalizers": ["y", "z"]}}
    patch = create_strategic_merge_patch(a, b, "Pod")
    assert patch == {"metadata": {"labels": {"b": None}, "finalizers": ["z"],
                                  "$deleteFromPrimitiveList/finalizers": ["x"],
                                  "$setElementOrder/finalizers": ["y", "z"]}}


def test_unkeyed_lists_are_sent_whole_and_retain_keys_is_added() -> None:
    a = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
                  "template": {"spec": {"tolerations": [{"key": "a"}]}}}}
    b = {"spec": {"strategy": {"type": "Recreate"}, "template": {"spec": {"tolerations": [{"key": "b"}]}}}}
    patch = create_strategic_merge_patch(a, b, "Deployment")
    assert patch == {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": None, "type": "Recreate"},
                              "template": {"spec": {"tolerations": [{"key": "b"}]}}}}


def test_lists_with_duplicate_keys_are_replaced_whole() -> None:
    a = {"spec": {"containers": [{"name": "x", "image": "1"}]}}
    b = {"spec": {"containers": [{"name": "x", "image": "1"}, {"name": "x", "image": "2"}]}}
    patch = create_strategic_merge_patch(a, b, "Pod")
    assert patch["spec"]["containers"][0] == {"$patch": "replace"}
    assert apply_strategic_merge_patch(a, patch, "Pod") == b


# ---- round trip over generated pod- and deployment-like objects ----------------------------------

names = st.sampled_from(["a", "b", "c", "d"])
scalars = st.one_of(st.booleans(), st.integers(0, 3), st.sampled_from(["x", "y", ""]))
small_maps = st.dictionaries(st.sampled_from(["k1", "k2", "k3"]), scalars, max_size=3)


def keyed_list(key: str, key_values: st.SearchStrategy[Any], body: st.SearchStrategy[dict[str, Any]]) -> Any:
    return st.lists(st.tuples(key_values, body), max_size=3, unique_by=lambda t: t[0]).map(
        lambda items: [{**b, key: k} for k, b in items])


def optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


containers = keyed_list("name", names, optional(
    image=st.sampled_from(["nginx:1", "nginx:2"]),
    args=st.lists(st.sampled_from(["-v", "-q"]), max_size=2),
    ports=keyed_list("containerPort", st.sampled_from([80, 443, 8080]),
                     optional(protocol=st.sampled_from(["TCP", "UDP"]), name=names)),
    env=keyed_list("name", names, optional(value=st.sampled_from(["1", "2"]))),
    resources=optional(limits=small_maps, requests=small_maps),
))
pod_specs = optional(
    containers=containers,
    initContainers=containers,
    volumes=keyed_list("name", names, optional(emptyDir=st.just({}), hostPath=optional(path=st.just("/d")))),
    tolerations=st.lists(optional(key=names, operator=st.just("Exists")), max_size=2),
    nodeSelector=small_maps,
    restartPolicy=st.sampled_from(["Always", "Never"]),
)
metadata = optional(
    labels=small_maps, annotations=small_maps,
    finalizers=st.lists(names, unique=True, max_size=3),
    ownerReferences=keyed_list("uid", st.sampled_from(["u1", "u2"]), optional(kind=st.just("ReplicaSet"))),
)
pods = optional(metadata=metadata, spec=pod_specs, status=optional(
    phase=st.sampled_from(["Pending", "Running"]),
    conditions=keyed_list("type", st.sampled_from(["Ready", "Initialized"]), optional(status=scalars))))
deployments = optional(metadata=metadata, spec=optional(
    replicas=st.integers(0, 3),
    strategy=optional(type=st.sampled_from(["Recreate", "RollingUpdate"]), rollingUpdate=optional(maxSurge=scalars)),
    template=optional(metadata=metadata, spec=pod_specs)))


def _round_trip(a: dict[str, Any], b: dict[str, Any], kind: str) -> None:
    before = copy.deepcopy((a, b))
    patch = create_strategic_merge_patch(a, b, kind)
    assert json_equal(apply_strategic_merge_patch(a, patch, kind), b)
    assert (a, b) == before


@settings(max_examples=150)
@given(pods, pods)
def test_round_trip_pods(a: dict[str, Any], b: dict[str, Any]) -> None:
    _round_trip(a, b, "Pod")


@settings(max_examples=150)
@given(deployments, deployments)
def test_round_trip_deployments(a: dict[str, Any], b: dict[str, Any]) -> None:
    _round_trip(a, b, "Deployment")


@given(pods)
def test_patch_from_an_object_to_itself_is_empty(a: dict[str, Any]) -> None:
    assert create_strategic_merge_patch(a, copy.deepcopy(a), "Pod") == {}


MERGE_KEYS = {"name", "containerPort", "uid", "type"}


def _mutate(value: Any, rnd: Any) -> Any:
    """A near copy of `value`: lists shuffled and thinned, keys dropped, scalars changed now and then
    (merge keys stay: an element without its merge key is invalid, and unchanged keys keep identity)."""
    if isinstance(value, dict):
        return {k: v if k in MERGE_KEYS else _mutate(v, rnd) for k, v in value.items()
                if k in MERGE_KEYS or rnd.random() > 0.15}
    if isinstance(value, list):
        items = [_mutate(v, rnd) for v in value if rnd.random() > 0.2]
        rnd.shuffle(items)
        return items
    if isinstance(value, str) and rnd.random() < 0.2:
        return value + "z"
    return value


@settings(max_examples=150)
@given(pods, st.randoms(use_true_random=False))
def test_round_trip_pods_against_near_copies(a: dict[str, Any], rnd: Any) -> None:
    _round_trip(a, _mutate(a, rnd), "Pod")


@settings(max_examples=150)
@given(deployments, st.randoms(use_true_random=False))
def test_round_trip_deployments_against_near_copies(a: dict[str, Any], rnd: Any) -> None:
    _round_trip(a, _mutate(a, rnd), "Deployment")
