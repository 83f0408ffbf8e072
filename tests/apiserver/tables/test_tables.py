"""Tables for `kubectl get`: columns, cells and row objects as Kubernetes prints them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube.api.age import parse_timestamp
from kube.api.registry import KINDS, resolve
from kube.apiserver.tables import to_table

T0 = "2024-01-01T00:00:00Z"
NOW = (parse_timestamp(T0) or 0) + 300  # every object below is 5m old


def _kind(name: str):
    kind = resolve(name)
    assert kind is not None
    return kind


def table(kind: str, *objs: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return to_table(_kind(kind), list(objs), now=NOW, **kw)


def cells(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    t = table(kind, obj)
    names = [c["name"] for c in t["columnDefinitions"]]
    return dict(zip(names, t["rows"][0]["cells"], strict=True))


def headers(kind: str, wide: bool = False) -> list[str]:
    cols = table(kind)["columnDefinitions"]
    return [c["name"].upper() for c in cols if wide or c["priority"] == 0]


def pod(**status: Any) -> dict[str, Any]:
    return {"metadata": {"name": "web", "namespace": "default", "creationTimestamp": T0, "uid": "u1"},
            "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "redis"}]},
            "status": status}


@pytest.mark.parametrize(("kind", "default", "wide_extra"), [
    ("pods", "NAME READY STATUS RESTARTS AGE", "IP NODE NOMINATED NODE READINESS GATES"),
    ("deployments", "NAME READY UP-TO-DATE AVAILABLE AGE", "CONTAINERS IMAGES SELECTOR"),
    ("replicasets", "NAME DESIRED CURRENT READY AGE", "CONTAINERS IMAGES SELECTOR"),
    ("services", "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE", "SELECTOR"),
    ("nodes", "NAME STATUS ROLES AGE VERSION", "INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME"),
    ("namespaces", "NAME STATUS AGE", ""),
    ("endpoints", "NAME ENDPOINTS AGE", ""),
    ("events", "LAST SEEN TYPE REASON OBJECT MESSAGE", "SUBOBJECT SOURCE FIRST SEEN COUNT NAME"),
    ("configmaps", "NAME DATA AGE", ""),
    ("secrets", "NAME TYPE DATA AGE", ""),
    ("leases", "NAME HOLDER AGE", ""),
    ("poddisruptionbudgets", "NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE", ""),
])
def test_columns_match_kubectl(kind: str, default: str, wide_extra: str) -> None:
    assert " ".join(headers(kind)) == default
    wide = [h for h in headers(kind, wide=True) if h not in headers(kind)]
    assert " ".join(wide) == wide_extra


def test_table_envelope_and_row_objects() -> None:
    p = pod(phase="Running")
    meta_table = table("pods", p, list_meta={"resourceVersion": "42", "continue": "abc"})
    assert meta_table["kind"] == "Table" and meta_table["apiVersion"] == "meta.k8s.io/v1"
    assert meta_table["metadata"] == {"resourceVersion": "42", "continue": "abc"}
    assert meta_table["rows"][0]["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                               "metadata": p["metadata"]}
    assert table("pods", p, include_object="Object")["rows"][0]["object"] is p
    assert "object" not in table("pods", p, include_object="None")["rows"][0]
    for col in meta_table["columnDefinitions"]:
        assert set(col) == {"name", "type", "format", "description", "priority"}


def test_pod_pending_without_statuses() -> None:
    c = cells("pods", pod(phase="Pending"))
    assert (c["Ready"], c["Status"], c["Restarts"], c["Age"]) == ("0/2", "Pending", "0", "5m")
    assert (c["IP"], c["Node"], c["Nominated Node"], c["Readiness Gates"]) == ("<none>",) * 4


def test_pod_container_creating_and_running() -> None:
    waiting = {"name": "a", "ready": False, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}
    running = {"name": "b", "ready": True, "restartCount": 0, "state": {"running": {"startedAt": T0}}}
    assert cells("pods", pod(phase="Pending", containerStatuses=[waiting, running]))["Status"] == "ContainerCreating"
    a_running = dict(running, name="a")
    c = cells("pods", pod(phase="Running", containerStatuses=[a_running, running],
                          podIPs=[{"ip": "10.244.1.5"}], podIP="10.244.1.5"))
    assert (c["Ready"], c["Status"], c["IP"]) == ("2/2", "Running", "10.244.1.5")


def test_pod_crashloop_restarts_with_age_of_last_restart() -> None:
    crashing = {"name": "a", "ready": False, "restartCount": 2,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-01-01T00:04:00Z"}}}
    c = cells("pods", pod(phase="Running", containerStatuses=[crashing]))
    assert c["Status"] == "CrashLoopBackOff"
    assert c["Restarts"] == "2 (60s ago)"


def test_pod_completed_and_exit_codes() -> None:
    done = {"name": "a", "ready": False, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    t = table("pods", pod(phase="Succeeded", containerStatuses=[done]))
    assert t["rows"][0]["cells"][2] == "Completed"
    assert t["rows"][0]["conditions"][0]["type"] == "Completed"
    killed = {"name": "a", "state": {"terminated": {"exitCode": 137, "signal": 9}}}
    assert cells("pods", pod(phase="Failed", containerStatuses=[killed]))["Status"] == "Signal:9"
    failed = {"name": "a", "state": {"terminated": {"exitCode": 3}}}
    assert cells("pods", pod(phase="Failed", containerStatuses=[failed]))["Status"] == "ExitCode:3"


def test_pod_init_containers() -> None:
    p = pod(phase="Pending", initContainerStatuses=[
        {"name": "i1", "state": {"terminated": {"exitCode": 0}}},
        {"name": "i2", "state": {"running": {}}},
    ])
    p["spec"]["initContainers"] = [{"name": "i1"}, {"name": "i2"}]
    assert cells("pods", p)["Status"] == "Init:1/2"
    p["status"]["initContainerStatuses"][1]["state"] = {"waiting": {"reason": "ImagePullBackOff"}}
    assert cells("pods", p)["Status"] == "Init:ImagePullBackOff"
    p["status"]["initContainerStatuses"][1]["state"] = {"terminated": {"exitCode": 2, "reason": "Error"}}
    assert cells("pods", p)["Status"] == "Init:Error"


def test_pod_terminating_and_node_lost() -> None:
    p = pod(phase="Running")
    p["metadata"]["deletionTimestamp"] = T0
    assert cells("pods", p)["Status"] == "Terminating"
    p["status"]["reason"] = "NodeLost"
    assert cells("pods", p)["Status"] == "Unknown"
    done = pod(phase="Succeeded")
    done["metadata"]["deletionTimestamp"] = T0
    assert cells("pods", done)["Status"] == "Succeeded"


def test_pod_wide_cells() -> None:
    p = pod(phase="Running", nominatedNodeName="n2",
            conditions=[{"type": "gate/a", "status": "True"}, {"type": "gate/b", "status": "False"}])
    p["spec"].update(nodeName="n1", readinessGates=[{"conditionType": "gate/a"}, {"conditionType": "gate/b"}])
    c = cells("pods", p)
    assert (c["Node"], c["Nominated Node"], c["Readiness Gates"]) == ("n1", "n2", "1/2")


def _workload(kind: str, **status: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "web", "creationTimestamp": T0},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "tier": "fe"},
                                                 "matchExpressions": [{"key": "env", "operator": "In",
                                                                       "values": ["a", "b"]}]},
                     "template": {"spec": {"containers": [{"name": "n", "image": "nginx:1"},
                                                          {"name": "s", "image": "side:2"}]}}},
            "status": status}


def test_deployment_and_replicaset_cells() -> None:
    d = cells("deployments", _workload("Deployment", readyReplicas=2, updatedReplicas=3, availableReplicas=2))
    assert [d[k] for k in ("Ready", "Up-to-date", "Available", "Age")] == ["2/3", 3, 2, "5m"]
    assert (d["Containers"], d["Images"]) == ("n,s", "nginx:1,side:2")
    assert d["Selector"] == "app=web,tier=fe,env in (a,b)"
    r = cells("replicasets", _workload("ReplicaSet", replicas=3, readyReplicas=1))
    assert [r[k] for k in ("Desired", "Current", "Ready")] == [3, 3, 1]
    empty = cells("deployments", {"metadata": {"name": "x"}, "spec": {}})
    assert (empty["Ready"], empty["Up-to-date"], empty["Age"]) == ("0/1", 0, "<unknown>")


def test_service_cells_per_type() -> None:
    svc = {"metadata": {"name": "web", "creationTimestamp": T0},
           "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                    "selector": {"app": "web"},
                    "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}}
    c = cells("services", svc)
    assert [c[k] for k in ("Type", "Cluster-IP", "External-IP", "Port(s)", "Selector")] == \
        ["NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "app=web"]
    lb = {"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.11", "ports": []}}
    assert cells("services", lb)["External-IP"] == "<pending>"
    lb["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}
    assert cells("services", lb)["External-IP"] == "192.0.2.1"
    headless = {"metadata": {"name": "h"}, "spec": {"clusterIP": "None"}}
    c = cells("services", headless)
    assert (c["Type"], c["Cluster-IP"], c["Port(s)"], c["Selector"]) == ("ClusterIP", "None", "<none>", "<none>")
    ext = {"metadata": {"name": "e"}, "spec": {"type": "ExternalName", "externalName": "example.org"}}
    assert cells("services", ext)["External-IP"] == "example.org"


def test_endpoints_shows_three_then_more() -> None:
    ep = {"metadata": {"name": "web"}, "subsets": [
        {"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 6)], "ports": [{"port": 80}]}]}
    assert cells("endpoints", ep)["Endpoints"] == "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more..."
    assert cells("endpoints", {"metadata": {"name": "x"}})["Endpoints"] == "<none>"
    no_ports = {"metadata": {"name": "h"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]}
    assert cells("endpoints", no_ports)["Endpoints"] == "10.0.0.1"


def test_node_cells() -> None:
    node = {"metadata": {"name": "n1", "creationTimestamp": T0,
                         "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "edge"}},
            "spec": {"unschedulable": True},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                       "addresses": [{"type": "InternalIP", "address": "192.168.1.2"}],
                       "nodeInfo": {"kubeletVersion": "v1.37.1", "osImage": "Debian",
                                    "kernelVersion": "6.1", "containerRuntimeVersion": "docker://24"}}}
    c = cells("nodes", node)
    assert [c[k] for k in ("Status", "Roles", "Version", "Internal-IP", "External-IP", "Container-Runtime")] == \
        ["Ready,SchedulingDisabled", "control-plane,edge", "v1.37.1", "192.168.1.2", "<none>", "docker://24"]
    node["status"]["conditions"][0]["status"] = "Unknown"
    node["spec"] = {}
    assert cells("nodes", node)["Status"] == "NotReady"
    assert cells("nodes", {"metadata": {"name": "bare"}})["Status"] == "Unknown"


def test_small_kinds() -> None:
    assert cells("namespaces", {"metadata": {"name": "d"}, "status": {"phase": "Terminating"}})["Status"] == \
        "Terminating"
    assert cells("configmaps", {"metadata": {"name": "c"}, "data": {"a": "1"}, "binaryData": {"b": "AA=="}})["Data"] == 2
    s = cells("secrets", {"metadata": {"name": "s"}, "type": "kubernetes.io/tls", "data": {"a": "", "b": ""}})
    assert (s["Type"], s["Data"]) == ("kubernetes.io/tls", 2)
    assert cells("leases", {"metadata": {"name": "l"}, "spec": {"holderIdentity": "me"}})["Holder"] == "me"
    pdb = cells("pdb", {"metadata": {"name": "p"}, "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}})
    assert [pdb[k] for k in ("Min Available", "Max Unavailable", "Allowed Disruptions")] == ["50%", "N/A", 1]


def test_event_cells() -> None:
    ev = {"metadata": {"name": "web.1"}, "type": "Warning", "reason": "BackOff", "message": "Back-off  \n",
          "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{a}"},
          "source": {"component": "kubelet", "host": "n1"}, "count": 4,
          "firstTimestamp": T0, "lastTimestamp": "2024-01-01T00:04:50Z"}
    c = cells("events", ev)
    assert [c[k] for k in ("Last Seen", "Type", "Reason", "Object", "Message")] == \
        ["10s", "Warning", "BackOff", "pod/web", "Back-off"]
    assert [c[k] for k in ("Subobject", "Source", "First Seen", "Count", "Name")] == \
        ["spec.containers{a}", "kubelet, n1", "5m", "4", "web.1"]
    series = {"metadata": {"name": "e2"}, "eventTime": "2024-01-01T00:00:00.000000Z",
              "series": {"count": 7, "lastObservedTime": "2024-01-01T00:04:00.000000Z"},
              "involvedObject": {"kind": "Node", "name": "n1"}, "reportingController": "kube-scheduler"}
    c = cells("events", series)
    assert (c["Last Seen"], c["Count"], c["Source"], c["First Seen"]) == ("60s", "7", "kube-scheduler", "5m")


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                     max_leaves=20)
_field_names = st.sampled_from(["metadata", "spec", "status", "data", "subsets", "type", "series", "source",
                                "involvedObject", "count", "lastTimestamp", "eventTime"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(KINDS), st.dictionaries(_field_names, _json, max_size=5))
def test_any_object_prints_without_error(kind: Any, obj: dict[str, Any]) -> None:
    """Malformed stored objects must never turn `kubectl get` into a 500."""
    t = to_table(kind, [obj], now=NOW)
    assert len(t["rows"][0]["cells"]) == len(t["columnDefinitions"])
