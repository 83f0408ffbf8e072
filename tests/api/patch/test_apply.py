"""Server-side apply (simplified): create, merge, ownership per manager, kubectl's last-applied step."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube.api.patch import PatchError, server_side_apply
from kube.api.patch.managed_fields import field_paths, from_fields_v1, to_fields_v1


def deployment(image: str = "nginx:1", replicas: int = 2, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", **labels}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "nginx", "image": image,
                                                       "ports": [{"containerPort": 80}]}]}}},
    }


def entry(obj: dict[str, Any], manager: str) -> dict[str, Any]:
    (found,) = [e for e in obj["metadata"]["managedFields"] if e["manager"] == manager]
    return found


def test_create_records_the_managed_fields() -> None:
    applied = deployment()
    result = server_side_apply(None, applied, "Deployment", "kubectl")
    assert result["spec"] == applied["spec"] and "managedFields" not in applied["metadata"]
    mine = entry(result, "kubectl")
    assert mine["operation"] == "Apply" and mine["apiVersion"] == "apps/v1" and mine["fieldsType"] == "FieldsV1"
    assert mine["time"].endswith("Z")
    fields = mine["fieldsV1"]
    assert fields["f:metadata"]["f:labels"] == {"f:app": {}}
    assert "f:name" not in fields["f:metadata"]
    container = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']
    assert container["."] == {} and "f:image" in container
    assert container["f:ports"] == {'k:{"containerPort":80}': {".": {}, "f:containerPort": {}}}


def test_reapply_updates_and_keeps_fields_of_others() -> None:
    live = server_side_apply(None, deployment(), "Deployment", "kubectl")
    live["spec"]["paused"] = True  # set by someone else (no managed entry)
    live["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "1"}
    result = server_side_apply(live, deployment(image="nginx:2"), "Deployment", "kubectl")
    assert result["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
    assert result["spec"]["paused"] is True
    assert result["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1"}
    assert len(result["metadata"]["managedFields"]) == 1


def test_fields_the_manager_stops_applying_are_removed() -> None:
    live = server_side_apply(None, deployment(tier="fe"), "Deployment", "kubectl")
    smaller = deployment()
    del smaller["spec"]["replicas"]
    result = server_side_apply(live, smaller, "Deployment", "kubectl")
    assert result["metadata"]["labels"] == {"app": "web"}
    assert "replicas" not in result["spec"]


def test_removed_list_element_goes_but_shared_fields_stay() -> None:
    two = deployment()
    two["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox"})
    live = server_side_apply(None, two, "Deployment", "kubectl")
    live = server_side_apply(live, {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "metadata": {"name": "web", "labels": {"tier": "fe"}}}, "Deployment", "other")
    one = deployment()
    del one["metadata"]["labels"]
    result = server_side_apply(live, one, "Deployment", "kubectl")
    assert [c["name"] for c in result["spec"]["template"]["spec"]["containers"]] == ["nginx"]
    assert result["metadata"]["labels"] == {"tier": "fe"}  # app went (ours), tier stays (other's)
    assert {e["manager"] for e in result["metadata"]["managedFields"]} == {"kubectl", "other"}


def test_kubectl_last_applied_step_does_not_wipe_the_spec() -> None:
    live = deployment()  # created by client-side apply: no Apply entry
    live["metadata"]["managedFields"] = [{"manager": "kubectl-client-side-apply", "operation": "Update",
                                          "apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": {}}]
    before = copy.deepcopy(live)
    last = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default",
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}}}
    result = server_side_apply(live, last, "Deployment", "kubectl-last-applied")
    assert result["spec"] == before["spec"]
    assert result["metadata"]["annotations"] == {"kubectl.kubernetes.io/last-applied-configuration": "{}"}
    assert live == before
    again = server_side_apply(result, last, "Deployment", "kubectl-last-applied")
    assert again["spec"] == before["spec"] and len(again["metadata"]["managedFields"]) == 2


def test_fields_v1_round_trips() -> None:
    paths = field_paths(deployment(), "Deployment")
    assert from_fields_v1(to_fields_v1(paths)) == paths
    assert ("f:metadata", "f:finalizers", 'v:"x"') in field_paths(
        {"metadata": {"finalizers": ["x"]}}, "Deployment")


@pytest.mark.parametrize(("applied", "manager"), [([1], "m"), ({"metadata": []}, "m"), ({"kind": "Pod"}, "")])
def test_bad_apply_is_a_patch_error(applied: Any, manager: str) -> None:
    with pytest.raises(PatchError):
        server_side_apply(None, applied, "Pod", manager)
