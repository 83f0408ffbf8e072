"""Applying strategic merge patches: merge keys and every `$` directive."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube.api.patch import PatchError, apply_strategic_merge_patch

POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "labels": {"app": "web"}, "finalizers": ["a", "b"]},
    "spec": {
        "containers": [
            {"name": "nginx", "image": "nginx:1", "ports": [{"containerPort": 80}],
             "env": [{"name": "A", "value": "1"}], "args": ["x", "y"]},
            {"name": "sidecar", "image": "busybox"},
        ],
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "volumes": [{"name": "data", "emptyDir": {}}],
    },
}


def apply(patch: dict[str, Any], original: dict[str, Any] = POD, kind: str = "Pod") -> dict[str, Any]:
    before = copy.deepcopy((original, patch))
    result = apply_strategic_merge_patch(original, patch, kind)
    assert (original, patch) == before, "inputs must not change"
    return result


def containers(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in obj["spec"]["containers"]}


def test_kubectl_container_port_change() -> None:
    patch = {"spec": {"$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
                      "containers": [{"$setElementOrder/ports": [{"containerPort": 8080}], "name": "nginx",
                                      "ports": [{"containerPort": 8080}, {"$patch": "delete", "containerPort": 80}]}]}}
    result = apply(patch)
    assert containers(result)["nginx"]["ports"] == [{"containerPort": 8080}]
    assert containers(result)["nginx"]["image"] == "nginx:1"
    assert [c["name"] for c in result["spec"]["containers"]] == ["nginx", "sidecar"]


def test_merge_by_key_updates_in_place_and_appends_new() -> None:
    result = apply({"spec": {"containers": [{"name": "sidecar", "image": "busybox:2"}, {"name": "new", "image": "x"}]}})
    assert [c["name"] for c in result["spec"]["containers"]] == ["nginx", "sidecar", "new"]
    assert containers(result)["sidecar"]["image"] == "busybox:2"
    assert containers(result)["nginx"]["ports"] == [{"containerPort": 80}]


def test_nested_merge_keys_env_and_unkeyed_lists_are_replaced() -> None:
    result = apply({"spec": {"containers": [{"name": "nginx", "env": [{"name": "B", "value": "2"}], "args": ["z"]}],
                             "tolerations": [{"key": "other", "operator": "Exists"}]}})
    nginx = containers(result)["nginx"]
    assert nginx["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert nginx["args"] == ["z"]
    assert result["spec"]["tolerations"] == [{"key": "other", "operator": "Exists"}]


def test_null_deletes_and_maps_merge() -> None:
    result = apply({"metadata": {"labels": {"app": None, "tier": "fe"}}, "spec": {"tolerations": None}})
    assert result["metadata"]["labels"] == {"tier": "fe"}
    assert "tolerations" not in result["spec"]


def test_patch_delete_of_element_and_map() -> None:
    result = apply({"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}})
    assert list(containers(result)) == ["nginx"]
    assert apply({"metadata": {"labels": {"$patch": "delete"}}})["metadata"]["labels"] == {}


def test_patch_replace_for_map_and_list() -> None:
    result = apply({"metadata": {"labels": {"$patch": "replace", "only": "this"}}})
    assert result["metadata"]["labels"] == {"only": "this"}
    result = apply({"spec": {"containers": [{"$patch": "replace"}, {"name": "solo", "image": "s"}]}})
    assert result["spec"]["containers"] == [{"name": "solo", "image": "s"}]


def test_primitive_merge_list_union_and_delete_from_primitive_list() -> None:
    result = apply({"metadata": {"finalizers": ["b", "c"]}})
    assert result["metadata"]["finalizers"] == ["a", "b", "c"]
    result = apply({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["d"]}})
    assert result["metadata"]["finalizers"] == ["b", "d"]


def test_set_element_order() -> None:
    result = apply({"spec": {"$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}]}})
    assert [c["name"] for c in result["spec"]["containers"]] == ["sidecar", "nginx"]
    result = apply({"metadata": {"$setElementOrder/finalizers": ["b", "a"]}})
    assert result["metadata"]["finalizers"] == ["b", "a"]


def test_retain_keys_clears_other_members_of_a_union() -> None:
    deploy = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    result = apply({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}, deploy, "Deployment")
    assert result["spec"]["strategy"] == {"type": "Recreate"}
    result = apply({"spec": {"volumes": [{"name": "data", "$retainKeys": ["hostPath", "name"],
                                          "hostPath": {"path": "/d"}}]}})
    assert result["spec"]["volumes"] == [{"name": "data", "hostPath": {"path": "/d"}}]


def test_deployment_template_uses_pod_merge_keys() -> None:
    deploy = {"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "a", "image": "1"},
                                                                           {"name": "b", "image": "2"}]}}}}
    result = apply({"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "3"}]}}}}, deploy, "Deployment")
    assert result["spec"]["template"]["spec"]["containers"] == [{"name": "a", "image": "1"}, {"name": "b", "image": "3"}]
    # without a table (unknown kind) the list is replaced
    result = apply({"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "3"}]}}}}, deploy, "Widget")
    assert result["spec"]["template"]["spec"]["containers"] == [{"name": "b", "image": "3"}]


def test_status_conditions_merge_by_type() -> None:
    node = {"status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "DiskPressure", "status": "False"}]}}
    result = apply({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, node, "Node")
    assert result["status"]["conditions"] == [{"type": "Ready", "status": "True"}, {"type": "DiskPressure", "status": "False"}]


def test_replace_strategy_map_is_taken_whole() -> None:
    pdb = {"spec": {"selector": {"matchLabels": {"a": "1"}}}}
    result = apply({"spec": {"selector": {"matchExpressions": [{"key": "b", "operator": "Exists"}]}}},
                   pdb, "PodDisruptionBudget")
    assert result["spec"]["selector"] == {"matchExpressions": [{"key": "b", "operator": "Exists"}]}


def test_kubectl_cordon_and_new_fields_lose_directives() -> None:
    node = {"metadata": {"name": "n1"}, "spec": {}}
    assert apply({"spec": {"unschedulable": True}}, node, "Node")["spec"] == {"unschedulable": True}
    result = apply({"spec": {"initContainers": [{"name": "i", "env": [{"name": "X", "value": None}]}]}})
    assert result["spec"]["initContainers"] == [{"name": "i", "env": [{"name": "X"}]}]


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ({"spec": {"containers": [{"image": "x"}]}}, "does not contain declared merge key: name"),
        ({"spec": {"containers": ["nginx"]}}, "must be objects"),
        ({"spec": {"$patch": "explode"}}, "unknown $patch directive"),
        ({"spec": {"$retainKeys": "x"}}, "$retainKeys must be a list"),
        ({"spec": {"$setElementOrder/containers": [{"image": "x"}]}}, "merge key 'name'"),
        ({"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}}, "list of values"),
    ],
)
def test_bad_patches_are_patch_errors(patch: dict[str, Any], fragment: str) -> None:
    with pytest.raises(PatchError) as info:
        apply(patch)
    assert fragment in str(info.value)


def test_non_object_patch_is_an_error() -> None:
    with pytest.raises(PatchError):
        apply_strategic_merge_patch(POD, [{"op": "add"}], "Pod")  # type: ignore[arg-type]
