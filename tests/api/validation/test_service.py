"""Service and Endpoints validation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube.api.validation import validate
from tests.api.validation.validation_objects import messages, sample


def svc(mutate: Any) -> dict[str, Any]:
    obj = sample("Service")
    mutate(obj)
    return obj


def test_samples_are_valid() -> None:
    assert validate(sample("Service")) == []
    assert validate(sample("Endpoints")) == []


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda o: o["spec"].update(ports=[]), "spec.ports: Required value"),
    (lambda o: o["spec"]["ports"][0].update(port=0), "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
    (lambda o: o["spec"]["ports"][0].update(port=65536), "spec.ports[0].port: Invalid value: 65536"),
    (lambda o: o["spec"]["ports"][1].pop("name"), "spec.ports[1].name: Required value"),
    (lambda o: o["spec"]["ports"][1].update(name="http"), 'spec.ports[1].name: Duplicate value: "http"'),
    (lambda o: o["spec"].update(type="Magic"),
     'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'),
    (lambda o: o["spec"].update(clusterIP="10.0.0.300"), 'spec.clusterIP: Invalid value: "10.0.0.300": must be a valid IP address'),
    (lambda o: o["spec"]["ports"][0].update(protocol="ICMP"), 'spec.ports[0].protocol: Unsupported value: "ICMP"'),
    (lambda o: o["spec"]["ports"][0].update(targetPort="Not_A_Name"), 'spec.ports[0].targetPort: Invalid value: "Not_A_Name"'),
    (lambda o: o["spec"]["ports"][0].update(nodePort=30080),
     "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"),
    (lambda o: o["metadata"].update(name="1web"), 'metadata.name: Invalid value: "1web": a DNS-1035 label'),
    (lambda o: o["spec"].update(sessionAffinity="Sticky"), 'spec.sessionAffinity: Unsupported value: "Sticky"'),
    (lambda o: o["spec"].update(type="ExternalName", clusterIP=""), "spec.externalName: Required value"),
    (lambda o: o["spec"].update(selector={"app": "web!"}), 'spec.selector: Invalid value: "web!"'),
])
def test_bad_services(mutate: Any, expected: str) -> None:
    found = messages(validate(svc(mutate)))
    assert any(m.startswith(expected) for m in found), found


def test_headless_service_may_have_no_ports() -> None:
    obj = svc(lambda o: o["spec"].update(clusterIP="None", ports=[]))
    assert validate(obj) == []


def test_cluster_ip_is_immutable_once_set() -> None:
    old = sample("Service")
    old["spec"]["clusterIP"] = "10.96.0.10"
    new = copy.deepcopy(old)
    new["spec"]["clusterIP"] = "10.96.0.11"
    assert 'spec.clusterIP: Invalid value: "10.96.0.11": field is immutable' in messages(validate(new, old))
    same = copy.deepcopy(old)
    same["spec"]["ports"][0]["port"] = 8081
    assert validate(same, old) == []


def test_bad_endpoints() -> None:
    obj = sample("Endpoints")
    obj["subsets"][0]["addresses"][0]["ip"] = "not-an-ip"
    obj["subsets"][0]["ports"][0]["port"] = 0
    found = messages(validate(obj))
    assert any(m.startswith('subsets[0].addresses[0].ip: Invalid value: "not-an-ip"') for m in found)
    assert "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive" in found
