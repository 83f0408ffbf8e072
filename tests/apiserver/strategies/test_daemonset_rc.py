"""DaemonSet, ControllerRevision and ReplicationController through the API server: defaults,
the fresh status a create starts from, Kubernetes' 422s (selector vs template labels, update
strategy), the tables kubectl prints, the RC scale subresource and a strategic-merge undo patch."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.apiserver.conftest import Api

DS = "/apis/apps/v1/namespaces/default/daemonsets"
RC = "/api/v1/namespaces/default/replicationcontrollers"
REVS = "/apis/apps/v1/namespaces/default/controllerrevisions"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def daemon_set(name: str = "agent", **spec: Any) -> dict[str, Any]:
    body = {"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1"}]}}}
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name}, "spec": body}


def rc(name: str = "old", replicas: int = 2) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": name},
            "spec": {"replicas": replicas,
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1"}]}}}}


def _causes(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["field"], c["reason"]) for c in body["details"]["causes"]]


async def test_a_daemonset_is_defaulted_and_starts_from_an_empty_status(api: Api) -> None:
    sent = daemon_set()
    sent["status"] = {"numberReady": 7}
    code, body = await api.post(DS, sent)
    assert code == 201, body
    assert body["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                              "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert body["spec"]["revisionHistoryLimit"] == 10
    assert body["status"] == {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
                              "numberReady": 0}
    assert body["metadata"]["generation"] == 1
    assert body["metadata"]["annotations"] == {"deprecated.daemonset.template.generation": "1"}


async def test_a_selector_not_matching_the_template_is_422_naming_the_template_labels(api: Api) -> None:
    bad = daemon_set()
    bad["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    code, body = await api.post(DS, bad)
    assert code == 422, body
    assert body["reason"] == "Invalid"
    assert ("spec.template.metadata.labels", "FieldValueInvalid") in _causes(body)
    assert "`selector` does not match template `labels`" in body["message"]
    assert (await api.get(f"{DS}/agent"))[0] == 404


async def test_a_daemonset_pod_may_not_have_a_deadline(api: Api) -> None:
    bad = daemon_set()
    bad["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 5
    code, body = await api.post(DS, bad)
    assert code == 422 and "activeDeadlineSeconds in DaemonSet is not Supported" in body["message"]


@pytest.mark.parametrize(("strategy", "field", "reason"), [
    ({"type": "Sometimes"}, "spec.updateStrategy", "FieldValueNotSupported"),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}},
     "spec.updateStrategy.rollingUpdate.maxUnavailable", "FieldValueRequired"),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}},
     "spec.updateStrategy.rollingUpdate.maxSurge", "FieldValueInvalid"),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "150%"}},
     "spec.updateStrategy.rollingUpdate.maxUnavailable", "FieldValueInvalid"),
])
async def test_an_invalid_update_strategy_is_422(api: Api, strategy: dict[str, Any], field: str,
                                                reason: str) -> None:
    code, body = await api.post(DS, daemon_set(updateStrategy=strategy))
    assert code == 422, body
    assert (field, reason) in _causes(body)


async def test_on_delete_needs_no_rolling_update_and_the_selector_is_immutable(api: Api) -> None:
    code, body = await api.post(DS, daemon_set(updateStrategy={"type": "OnDelete"}))
    assert code == 201, body
    changed = copy.deepcopy(body)
    changed["spec"]["selector"] = {"matchLabels": {"app": "agent", "tier": "x"}}
    changed["spec"]["template"]["metadata"]["labels"]["tier"] = "x"
    code, refused = await api.put(f"{DS}/agent", changed)
    assert code == 422 and ("spec.selector", "FieldValueInvalid") in _causes(refused)


async def test_an_undo_patch_replaces_the_template_and_bumps_the_generation(api: Api) -> None:
    """kubectl rollout undo daemonset sends a revision's data as a strategic merge patch."""
    code, body = await api.post(DS, daemon_set())
    old_template = copy.deepcopy(body["spec"]["template"])
    body["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "kube.local/pause:1"})
    code, body = await api.put(f"{DS}/agent", body)
    assert code == 200 and body["metadata"]["generation"] == 2
    assert body["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"
    code, body = await api.patch(f"{DS}/agent", {"spec": {"minReadySeconds": 1}})
    assert body["metadata"]["generation"] == 3  # a spec change outside the template
    assert body["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"
    patch = {"spec": {"template": {**old_template, "$patch": "replace"}}}
    code, body = await api.patch(f"{DS}/agent", patch, content_type="application/strategic-merge-patch+json")
    assert code == 200, body
    assert [c["name"] for c in body["spec"]["template"]["spec"]["containers"]] == ["c"]
    assert body["metadata"]["generation"] == 4
    assert body["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "3"


async def test_daemonset_and_revision_tables(api: Api) -> None:
    await api.post(DS, daemon_set(template={"metadata": {"labels": {"app": "agent"}},
                                           "spec": {"nodeSelector": {"role": "edge"},
                                                    "containers": [{"name": "c", "image": "kube.local/busybox:1"}]}}))
    code, table = await api.get(DS, headers={"Accept": TABLE})
    assert code == 200, table
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names[:8] == ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"]
    assert table["rows"][0]["cells"][:7] == ["agent", 0, 0, 0, 0, 0, "role=edge"]
    _, ds = await api.get(f"{DS}/agent")
    rev = {"apiVersion": "apps/v1", "kind": "ControllerRevision", "revision": 1, "data": {"spec": {}},
           "metadata": {"name": "agent-abc", "ownerReferences": [
               {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "uid": ds["metadata"]["uid"],
                "controller": True}]}}
    code, body = await api.post(REVS, rev)
    assert code == 201, body
    code, table = await api.get(REVS, headers={"Accept": TABLE})
    assert table["rows"][0]["cells"][:3] == ["agent-abc", "daemonset.apps/agent", 1]
    body["data"] = {"spec": {"template": {}}}
    code, refused = await api.put(f"{REVS}/agent-abc", body)
    assert code == 422 and ("data", "FieldValueInvalid") in _causes(refused)


async def test_an_rc_defaults_its_selector_and_scales(api: Api) -> None:
    code, body = await api.post(RC, rc())
    assert code == 201, body
    assert body["spec"]["selector"] == {"app": "old"} and body["metadata"]["labels"] == {"app": "old"}
    assert body["status"] == {"replicas": 0}
    code, scale = await api.get(f"{RC}/old/scale")
    assert code == 200, scale
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 2
    assert scale["status"]["selector"] == "app=old"
    scale["spec"]["replicas"] = 5
    code, scale = await api.put(f"{RC}/old/scale", scale)
    assert code == 200 and scale["spec"]["replicas"] == 5
    assert (await api.get(f"{RC}/old"))[1]["spec"]["replicas"] == 5
    code, table = await api.get(RC, headers={"Accept": TABLE})
    assert table["rows"][0]["cells"][:4] == ["old", 5, 0, 0]


async def test_an_rc_whose_selector_does_not_match_is_422(api: Api) -> None:
    bad = rc()
    bad["spec"]["selector"] = {"app": "else"}
    code, body = await api.post(RC, bad)
    assert code == 422 and ("spec.template.metadata.labels", "FieldValueInvalid") in _causes(body)


@pytest.mark.parametrize("body", [
    {"metadata": {"name": "x", "annotations": ["not", "a", "map"]}},
    {"metadata": {"name": "x"}, "spec": {"selector": "app=x", "template": []}},
    {"metadata": {"name": "x"}, "spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": "all"}}},
    {"metadata": {"name": "x"}, "spec": []},
])
async def test_malformed_daemonsets_and_rcs_are_4xx_never_500(api: Api, body: dict[str, Any]) -> None:
    for path, kind, version in ((DS, "DaemonSet", "apps/v1"), (RC, "ReplicationController", "v1")):
        code, answer = await api.post(path, {"apiVersion": version, "kind": kind, **body})
        assert 400 <= code < 500, answer
        assert answer["kind"] == "Status"
    code, ds = await api.post(DS, daemon_set("ok"))
    ds["metadata"]["annotations"] = ["broken"]
    code, answer = await api.put(f"{DS}/ok", ds)
    assert 400 <= code < 500 and answer["kind"] == "Status", answer


async def test_an_unreadable_template_generation_starts_from_one(api: Api) -> None:
    body = daemon_set()
    body["metadata"]["annotations"] = {"deprecated.daemonset.template.generation": "9" * 400}
    code, created = await api.post(DS, body)
    assert code == 201 and created["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "1"
