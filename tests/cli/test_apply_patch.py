"""Client-side apply's three-way patch: applied with the server's strategic merge, the live object
ends up holding the manifest, dropped fields go, others' fields stay, and applying again is a no-op."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kube.api.patch import apply_strategic_merge_patch
from kube.cli.apply_patch import LAST_APPLIED, original_of, three_way_patch, with_last_applied

scalars = st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", ""]), st.booleans())
small_maps = st.dictionaries(st.sampled_from(["x", "y", "z"]), scalars, max_size=3)


@st.composite
def containers(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(["web", "side", "init"]), unique=True, max_size=3))
    out = []
    for name in names:
        c: dict[str, Any] = {"name": name, "image": draw(st.sampled_from(["img:1", "img:2"]))}
        ports = draw(st.lists(st.sampled_from([80, 443, 8080]), unique=True, max_size=2))
        if ports:
            c["ports"] = [{"containerPort": p} for p in ports]
        env = draw(st.dictionaries(st.sampled_from(["A", "B"]), st.sampled_from(["1", "2"]), max_size=2))
        if env:
            c["env"] = [{"name": k, "value": v} for k, v in env.items()]
        out.append(c)
    return out


@st.composite
def deployments(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {"template": {"spec": {"containers": draw(containers())}}}
    if draw(st.booleans()):
        spec["replicas"] = draw(st.integers(0, 5))
    extra = draw(small_maps)
    if extra:
        spec["extra"] = extra
    labels = draw(st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["a", "b"]), max_size=2))
    meta: dict[str, Any] = {"name": "web"}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


def server_defaults(obj: dict[str, Any]) -> dict[str, Any]:
    """What a server adds: fields nobody applied (status, defaults inside list items)."""
    out = json.loads(json.dumps(obj))
    out["metadata"]["uid"] = "u1"
    out["status"] = {"replicas": 1}
    for c in out["spec"]["template"]["spec"]["containers"]:
        c["imagePullPolicy"] = "IfNotPresent"
        for p in c.get("ports", []):
            p["protocol"] = "TCP"
    return out


def contains(big: Any, small: Any) -> bool:
    """Every field of `small` is in `big` with the same value (lists by position)."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and contains(big[k], v) for k, v in small.items())
    if isinstance(small, list):
        return isinstance(big, list) and len(big) == len(small) and all(map(contains, big, small))
    return big == small


@settings(max_examples=300, deadline=None)
@given(first=deployments(), second=deployments())
def test_property_apply_reaches_the_manifest_and_is_idempotent(first: dict[str, Any], second: dict[str, Any]) -> None:
    live = server_defaults(with_last_applied(first))  # as created by the first apply
    patch = three_way_patch(original_of(live), with_last_applied(second), live, "Deployment")
    result = apply_strategic_merge_patch(live, patch, "Deployment")
    wanted = with_last_applied(second)
    assert contains(result, wanted)  # in the manifest's order too ($setElementOrder)
    assert result["status"] == {"replicas": 1} and result["metadata"]["uid"] == "u1"  # others' fields stay
    for key in first["spec"]:
        if key not in second["spec"]:
            assert key not in result["spec"]
    # applying the same manifest again changes nothing
    assert three_way_patch(original_of(result), with_last_applied(second), result, "Deployment") == {}


def test_server_defaults_inside_list_items_are_not_a_change() -> None:
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80}]}]}}
    live = with_last_applied(manifest)
    live["spec"]["containers"][0]["ports"][0]["protocol"] = "TCP"
    live["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log"
    assert three_way_patch(original_of(live), with_last_applied(manifest), live, "Pod") == {}


def test_changed_image_and_dropped_port_patch_like_kubectl() -> None:
    before = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
              "spec": {"containers": [{"name": "nginx", "image": "a", "ports": [{"containerPort": 80}]}]}}
    after = json.loads(json.dumps(before))
    after["spec"]["containers"][0]["image"] = "b"
    after["spec"]["containers"][0]["ports"] = [{"containerPort": 8080}]
    live = with_last_applied(before)
    patch = three_way_patch(original_of(live), with_last_applied(after), live, "Pod")
    container = patch["spec"]["containers"][0]
    assert container["name"] == "nginx" and container["image"] == "b"
    assert {"containerPort": 80, "$patch": "delete"} in container["ports"]
    assert {"containerPort": 8080} in container["ports"]
    assert LAST_APPLIED in patch["metadata"]["annotations"]


def test_last_applied_excludes_itself() -> None:
    once = with_last_applied({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}})
    twice = with_last_applied(once)
    assert once == twice
    assert LAST_APPLIED not in original_of(twice).get("metadata", {}).get("annotations", {})
