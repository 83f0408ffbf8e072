"""discovery.k8s.io/v1 EndpointSlice in the API: Kubernetes' validation (as field errors and
as a 422 Status from the server), defaults, and kubectl's table columns."""

from __future__ import annotations

import pytest

from kube.api.defaults import apply_defaults
from kube.api.validation import validate
from kube.apiserver.tables import to_table
from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.controllers.endpointslice.reconcile import ENDPOINTSLICE


def slice_(address_type: str = "IPv4", endpoints: list | None = None, ports: list | None = None) -> dict:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "web-abc", "namespace": "default"}, "addressType": address_type,
            "endpoints": [{"addresses": ["10.0.0.1"]}] if endpoints is None else endpoints,
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}] if ports is None else ports}


def errors(obj: dict, old: dict | None = None) -> list[tuple[str, str]]:
    return [(e.field, e.type) for e in validate(obj, old)]


def test_a_valid_slice_and_its_defaults() -> None:
    assert errors(slice_()) == []
    assert errors(slice_("FQDN", [{"addresses": ["db.example.com"]}])) == []
    assert errors(slice_("IPv6", [{"addresses": ["fd00::1"], "nodeName": "n1", "hostname": "web-0"}])) == []
    defaulted = apply_defaults(slice_(ports=[{"port": 80}]))
    assert defaulted["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]


@pytest.mark.parametrize(("obj", "expected"), [
    (slice_(""), [("addressType", "FieldValueRequired")]),
    (slice_("IP"), [("addressType", "FieldValueNotSupported")]),
    (slice_(endpoints=[{"addresses": ["10.0.0.1"]}] * 1001), [("endpoints", "FieldValueTooMany")]),
    (slice_(ports=[{"name": f"p{i}", "port": 80, "protocol": "TCP"} for i in range(101)]),
     [("ports", "FieldValueTooMany")]),
    (slice_(endpoints=[{"addresses": []}]), [("endpoints[0].addresses", "FieldValueRequired")]),
    (slice_(endpoints=[{"addresses": ["10.0.0.1"] * 101}]), [("endpoints[0].addresses", "FieldValueTooMany")]),
    (slice_(endpoints=[{"addresses": ["fd00::1"]}]), [("endpoints[0].addresses[0]", "FieldValueInvalid")]),
    (slice_(endpoints=[{"addresses": ["not-an-ip"]}]), [("endpoints[0].addresses[0]", "FieldValueInvalid")]),
    (slice_("FQDN", [{"addresses": ["Bad_Name"]}]), [("endpoints[0].addresses[0]", "FieldValueInvalid")]),
    (slice_(endpoints=[{"addresses": ["10.0.0.1"], "nodeName": "Bad_Node"}]),
     [("endpoints[0].nodeName", "FieldValueInvalid")]),
    (slice_(ports=[{"name": "a", "port": 80, "protocol": "TCP"}, {"name": "a", "port": 81, "protocol": "TCP"}]),
     [("ports[1].name", "FieldValueDuplicate")]),
    (slice_(ports=[{"name": "a", "port": 70000, "protocol": "TCP"}]), [("ports[0].port", "FieldValueInvalid")]),
    (slice_(ports=[{"name": "a", "port": 80, "protocol": "ICMP"}]), [("ports[0].protocol", "FieldValueNotSupported")]),
    (slice_(ports=[{"name": "a", "port": 80}]), [("ports[0].protocol", "FieldValueRequired")]),
])
def test_invalid_slices(obj: dict, expected: list[tuple[str, str]]) -> None:
    assert errors(obj) == expected


def test_address_type_is_immutable() -> None:
    old = {**slice_(), "metadata": {**slice_()["metadata"], "resourceVersion": "1"}}
    new = {**slice_("IPv6", [{"addresses": ["fd00::1"]}]), "metadata": old["metadata"]}
    assert ("addressType", "FieldValueInvalid") in errors(new, old)


def test_table_has_kubectls_columns() -> None:
    many = slice_(endpoints=[{"addresses": [f"10.0.0.{i}"]} for i in range(1, 6)],
                  ports=[{"name": f"p{i}", "port": 80 + i, "protocol": "TCP"} for i in range(4)])
    table = to_table(ENDPOINTSLICE, [slice_(), many, slice_(endpoints=[], ports=[])])
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "AddressType", "Ports", "Endpoints", "Age"]
    cells = [r["cells"][1:4] for r in table["rows"]]
    assert cells == [["IPv4", "80", "10.0.0.1"],
                     ["IPv4", "80,81,82 + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more..."],
                     ["IPv4", "<unset>", "<unset>"]]


async def test_the_server_answers_bad_slices_with_a_422_status(client: RestClient) -> None:
    with pytest.raises(ApiError) as caught:
        await client.create(ENDPOINTSLICE, slice_("IP", [{"addresses": ["nope"]}]), "default")
    assert caught.value.code == 422 and caught.value.reason == "Invalid"
    assert "addressType" in caught.value.message
    created = await client.create(ENDPOINTSLICE, slice_(), "default")
    assert created["ports"][0]["protocol"] == "TCP"
    assert (await client.get(ENDPOINTSLICE, "web-abc", "default"))["endpoints"] == [{"addresses": ["10.0.0.1"]}]


async def test_generation_counts_content_changes(client: RestClient) -> None:
    created = await client.create(ENDPOINTSLICE, slice_(), "default")
    assert created["metadata"]["generation"] == 1
    relabelled = await client.update(ENDPOINTSLICE, {**created, "metadata": {**created["metadata"],
                                                                             "labels": {"a": "b"}}}, "default")
    assert relabelled["metadata"]["generation"] == 1
    moved = await client.update(ENDPOINTSLICE, {**relabelled, "endpoints": [{"addresses": ["10.0.0.2"]}]}, "default")
    assert moved["metadata"]["generation"] == 2
