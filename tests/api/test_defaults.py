"""Defaulting fills in what Kubernetes fills in, and never fails on wrong types."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube.api.defaults import apply_defaults, pull_policy_for
from kube.api.validation import INTERNAL_ERROR, validate
from tests.api.json_paths import set_at, value_paths


def pod(**spec: Any) -> dict[str, Any]:
    body = {"containers": [{"name": "c", "image": "nginx"}], **spec}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": body}


def test_pod_spec_defaults() -> None:
    spec = apply_defaults(pod())["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    container = spec["containers"][0]
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "File"
    assert container["imagePullPolicy"] == "Always"


def test_explicit_values_are_kept() -> None:
    spec = apply_defaults(pod(restartPolicy="Never", terminationGracePeriodSeconds=0))["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["terminationGracePeriodSeconds"] == 0  # a pointer field: 0 is a real value


@pytest.mark.parametrize(("image", "policy"), [
    ("nginx", "Always"),
    ("nginx:latest", "Always"),
    ("nginx:1.25", "IfNotPresent"),
    ("registry:5000/team/app", "Always"),
    ("registry:5000/team/app:v2", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
    ("nginx:latest@sha256:" + "a" * 64, "Always"),
])
def test_image_pull_policy_from_tag(image: str, policy: str) -> None:
    assert pull_policy_for(image) == policy


def test_ports_probes_and_env_defaults() -> None:
    obj = pod(containers=[{
        "name": "c", "image": "nginx:1", "ports": [{"containerPort": 80}],
        "livenessProbe": {"httpGet": {"port": 80}},
        "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 5},
        "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "resources": {"limits": {"cpu": "1"}},
    }])
    container = apply_defaults(obj)["spec"]["containers"][0]
    assert container["ports"][0]["protocol"] == "TCP"
    assert container["livenessProbe"] == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                                          "timeoutSeconds": 1, "periodSeconds": 10,
                                          "successThreshold": 1, "failureThreshold": 3}
    assert container["readinessProbe"]["periodSeconds"] == 5
    assert container["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    assert container["resources"]["requests"] == {"cpu": "1"}  # requests default to limits


def test_volume_without_source_is_empty_dir_and_modes_default() -> None:
    obj = pod(volumes=[{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "x"}}])
    volumes = apply_defaults(obj)["spec"]["volumes"]
    assert volumes[0]["emptyDir"] == {}
    assert volumes[1]["configMap"]["defaultMode"] == 420


def test_tolerations_are_untouched() -> None:
    tolerations = [{"key": "k", "operator": "Exists"}]
    spec = apply_defaults(pod(tolerations=copy.deepcopy(tolerations)))["spec"]
    assert spec["tolerations"] == tolerations


def deployment(**spec: Any) -> dict[str, Any]:
    body = {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}, **spec}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
            "spec": body}


def test_deployment_defaults() -> None:
    spec = apply_defaults(deployment())["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["template"]["spec"]["restartPolicy"] == "Always"
    assert spec["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"


def test_recreate_strategy_gets_no_rolling_update() -> None:
    spec = apply_defaults(deployment(strategy={"type": "Recreate"}, replicas=0))["spec"]
    assert spec["strategy"] == {"type": "Recreate"}
    assert spec["replicas"] == 0


def test_replica_set_defaults() -> None:
    rs = deployment()
    rs["kind"] = "ReplicaSet"
    spec = apply_defaults(rs)["spec"]
    assert spec["replicas"] == 1
    assert "strategy" not in spec
    assert spec["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


def test_service_defaults() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}, {"port": 53, "targetPort": "dns",
                                                                          "protocol": "UDP"}]}}
    spec = apply_defaults(svc)["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"][0] == {"port": 80, "protocol": "TCP", "targetPort": 80}
    assert spec["ports"][1]["targetPort"] == "dns"
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in spec


def test_node_port_service_gets_external_traffic_policy() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"type": "NodePort", "ports": [{"port": 80}]}}
    assert apply_defaults(svc)["spec"]["externalTrafficPolicy"] == "Cluster"


def test_namespace_secret_node_event_defaults() -> None:
    ns = apply_defaults({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    assert ns["status"]["phase"] == "Active"
    assert ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == "team"
    secret = apply_defaults({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})
    assert secret["type"] == "Opaque"
    node = apply_defaults({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"},
                           "status": {"capacity": {"cpu": "4", "pods": "110"}}})
    assert node["status"]["allocatable"] == {"cpu": "4", "pods": "110"}
    event = apply_defaults({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}})
    assert event["type"] == "Normal" and event["count"] == 1


def test_unknown_kinds_and_non_dicts_pass_through() -> None:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "spec": {}}
    assert apply_defaults(copy.deepcopy(obj)) == obj
    assert apply_defaults([1, 2]) == [1, 2]  # type: ignore[arg-type]


def test_defaulting_is_idempotent() -> None:
    once = apply_defaults(deployment())
    twice = apply_defaults(copy.deepcopy(once))
    assert once == twice


def test_defaulted_objects_validate_cleanly() -> None:
    for obj in (pod(), deployment()):
        assert validate(apply_defaults(obj)) == []


_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


def _rich_objects() -> list[dict[str, Any]]:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
           "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP", "ports": [{"port": 80}]}}
    full_pod = pod(volumes=[{"name": "v", "secret": {"secretName": "x"}}], containers=[{
        "name": "c", "image": "i", "ports": [{"containerPort": 1}], "livenessProbe": {"httpGet": {}},
        "lifecycle": {"preStop": {"httpGet": {}}}, "resources": {"limits": {"cpu": "1"}},
        "env": [{"name": "A", "valueFrom": {"fieldRef": {}}}]}])
    return [full_pod, deployment(), svc,
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}},
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}, "status": {"capacity": {}}},
            {"apiVersion": "v1", "kind": "Endpoints", "subsets": [{"ports": [{"port": 1}]}]}]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(range(6)), st.data(), _junk)
def test_defaulting_never_fails_on_wrong_types(which: int, data: st.DataObject, junk: Any) -> None:
    obj = _rich_objects()[which]
    paths = [p for p in value_paths(obj) if len(p) >= 2]
    set_at(obj, data.draw(st.sampled_from(paths)), junk)
    apply_defaults(obj)
    errors = validate(obj)  # and validation copes with whatever defaulting left
    assert all(e.type != INTERNAL_ERROR for e in errors), [e.message() for e in errors]


def test_binding_subjects_and_role_ref_default_to_the_rbac_group() -> None:
    binding = apply_defaults({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                              "metadata": {"name": "b", "namespace": "ns"},
                              "roleRef": {"kind": "Role", "name": "r"},
                              "subjects": [{"kind": "User", "name": "jane"}, {"kind": "Group", "name": "devs"},
                                           {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"},
                                           {"kind": "User", "name": "x", "apiGroup": "other.io"}]})
    assert binding["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert [s.get("apiGroup") for s in binding["subjects"]] == ["rbac.authorization.k8s.io",
                                                                "rbac.authorization.k8s.io", None, "other.io"]
    assert [e.field for e in validate(binding)] == ["subjects[3].apiGroup"]  # only the foreign group is refused
