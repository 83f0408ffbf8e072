"""Protobuf bodies over HTTP: stored exactly as the same object sent as JSON; accepted on PUT and
eviction; malformed bodies are a 400 Status and unknown kinds a 415, with the store unchanged."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube.apiserver.protobuf.encoder import encode_object
from kube.apiserver.protobuf.envelope import MAGIC, encode_envelope
from kube.apiserver.protobuf.wire import write_length_delimited as ld
from tests.apiserver.conftest import Api, deployment, eventually, pod

PROTOBUF = "application/vnd.kubernetes.protobuf"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
PODS = "/api/v1/namespaces/default/pods"
_VOLATILE = ("uid", "creationTimestamp", "resourceVersion", "name", "managedFields")


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    for key in _VOLATILE:
        out["metadata"].pop(key, None)
    return out


def _rich_deployment(name: str) -> dict[str, Any]:
    dep = deployment(name, replicas=2)
    dep["metadata"]["annotations"] = {"team": "a"}
    dep["spec"]["selector"] = {"matchLabels": {"app": "rich"}}
    dep["spec"]["template"]["metadata"]["labels"] = {"app": "rich"}
    dep["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "10%"}}
    dep["spec"]["template"]["spec"].update({
        "containers": [{"name": "c", "image": "kube.local/busybox:1", "args": ["sleep", "3600"],
                        "env": [{"name": "A", "value": "1"},
                                {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}],
                        "ports": [{"containerPort": 8080, "name": "http"}],
                        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1"}},
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
                        "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
        "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cm"}}],
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
        "nodeSelector": {"zone": "a"},
    })
    return dep


async def test_protobuf_create_stores_what_json_create_stores(api: Api) -> None:
    status, via_json = await api.post(DEPLOYMENTS, _rich_deployment("from-json"))
    assert status == 201, via_json
    status, via_pb = await api.post(DEPLOYMENTS, encode_object(_rich_deployment("from-pb")), content_type=PROTOBUF)
    assert status == 201, via_pb
    assert via_pb["metadata"]["name"] == "from-pb"
    assert _comparable(via_pb) == _comparable(via_json)
    _, stored = await api.get(f"{DEPLOYMENTS}/from-pb")
    assert _comparable(stored) == _comparable(via_json)


async def test_protobuf_put_updates(api: Api) -> None:
    status, created = await api.post(DEPLOYMENTS, deployment("web"))
    assert status == 201, created
    changed = copy.deepcopy(created)
    changed["spec"]["replicas"] = 5
    changed["metadata"]["labels"] = {"tier": "front"}
    status, updated = await api.put(f"{DEPLOYMENTS}/web", encode_object(changed), content_type=PROTOBUF)
    assert status == 200, updated
    assert updated["spec"]["replicas"] == 5 and updated["metadata"]["labels"] == {"tier": "front"}
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])

    stale = copy.deepcopy(created)  # the resourceVersion still travels in the message
    status, answer = await api.put(f"{DEPLOYMENTS}/web", encode_object(stale), content_type=PROTOBUF)
    assert status == 409 and answer["reason"] == "Conflict"


async def test_protobuf_eviction(api: Api) -> None:
    status, answer = await api.post(PODS, pod("victim"))
    assert status == 201, answer
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "victim"},
                "deleteOptions": {"gracePeriodSeconds": 0}}
    status, answer = await api.post(f"{PODS}/victim/eviction", encode_object(eviction), content_type=PROTOBUF)
    assert status == 201, answer

    async def gone() -> bool:
        return (await api.get(f"{PODS}/victim"))[0] == 404

    await eventually(gone)


@pytest.mark.parametrize(("body", "code", "words"), [
    (b"k8s\x00\x0a", 400, "truncated varint"),
    (b"not protobuf at all", 400, "prefix"),
    (MAGIC + ld(2, b"\x0a\x02"), 400, "typeMeta"),
    (encode_envelope("apps/v1", "Deployment", b"\x0a\x05ab"), 400, "runs past the end"),
    (encode_envelope("apps/v1", "Deployment", b"\x08\x01"), 400, "Deployment.metadata: got wire type varint"),
    (encode_envelope("apps/v1", "Deployment", ld(1, ld(1, b"\xff"))), 400, "UTF-8"),
    (encode_envelope("coordination.k8s.io/v1", "Lease", b""), 415, "coordination.k8s.io/v1/Lease"),
])
async def test_bad_protobuf_bodies_get_a_status_and_change_nothing(api: Api, body: bytes, code: int,
                                                                   words: str) -> None:
    before = await api.server.state.store.current_revision()  # type: ignore[union-attr]
    status, answer = await api.post(DEPLOYMENTS, body, content_type=PROTOBUF)
    assert status == code, answer
    assert answer["kind"] == "Status" and answer["status"] == "Failure"
    assert words in answer["message"]
    assert await api.server.state.store.current_revision() == before  # type: ignore[union-attr]


async def test_protobuf_body_of_another_kind_is_refused_like_json(api: Api) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}}
    status, answer = await api.post(DEPLOYMENTS, encode_object(cm), content_type=PROTOBUF)
    assert status == 400 and answer["kind"] == "Status", answer
