"""Object messages -> JSON-shaped dicts: bodies captured from kubectl 1.37, Go's zero-value
rules, the special types, malformed input, and a round trip through our encoder for every kind."""

from __future__ import annotations

import base64
import datetime as dt
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kube.apiserver.protobuf import ProtobufError, UnsupportedKind, decode_object
from kube.apiserver.protobuf.decoder import decode_message
from kube.apiserver.protobuf.encoder import encode_message, encode_object
from kube.apiserver.protobuf.envelope import MAGIC, encode_envelope
from kube.apiserver.protobuf.schema import MESSAGES, OBJECT_MESSAGES, SCALARS, Field
from kube.apiserver.protobuf.wire import write_length_delimited as ld
from kube.apiserver.protobuf.wire import write_varint_field as vf

# `kubectl create ns foo`, as kubectl v1.37.1 sent it (-v=8)
KUBECTL_NAMESPACE = bytes.fromhex(
    "6b3873000a0f0a02763112094e616d657370616365121b0a130a03666f6f12001a0022002a0032003800420012001a02"
    "0a001a002200")
# `kubectl create service clusterip svc --tcp=80:8080`
KUBECTL_SERVICE = bytes.fromhex(
    "6b3873000a0d0a02763112075365727669636512690a1f0a0373766312001a0022002a003200380042005a0a0a036170"
    "70120373766312420a1b0a0738302d38303830120354435018502207080010903f1a002800120a0a0361707012037376"
    "631a002209436c757374657249503a00420052005a00600068001a020a001a002200")
# `kubectl create secret generic s --from-literal=k=v`
KUBECTL_SECRET = bytes.fromhex(
    "6b3873000a0c0a0276311206536563726574121d0a110a017312001a0022002a0032003800420012060a016b1201761a"
    "001a002200")


def test_kubectl_namespace_body() -> None:
    assert decode_object(KUBECTL_NAMESPACE) == {
        "kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "foo"}, "spec": {}, "status": {}}


def test_kubectl_service_body_keeps_ports_and_drops_go_zero_values() -> None:
    assert decode_object(KUBECTL_SERVICE) == {
        "kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "svc", "labels": {"app": "svc"}},
        "spec": {"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
                 "selector": {"app": "svc"}, "type": "ClusterIP"},
        "status": {"loadBalancer": {}},
    }


def test_kubectl_secret_body_base64_encodes_data() -> None:
    obj = decode_object(KUBECTL_SECRET)
    assert obj["data"] == {"k": base64.b64encode(b"v").decode()}
    assert "type" not in obj  # "" on the wire: left for defaulting (Opaque)


def test_present_zero_is_kept_only_where_go_json_would_keep_it() -> None:
    spec = vf(1, 0) + vf(5, 0) + vf(7, 0)  # replicas *int32 = 0, minReadySeconds 0, paused false
    assert decode_message(spec, "DeploymentSpec") == {"replicas": 0}
    port = vf(3, 0) + vf(2, 0)  # ContainerPort.containerPort has no omitempty; hostPort has
    assert decode_message(port, "ContainerPort") == {"containerPort": 0}


def test_negative_int32_and_int64() -> None:
    meta = vf(10, -30)  # deletionGracePeriodSeconds int64
    assert decode_message(meta, "ObjectMeta") == {"deletionGracePeriodSeconds": -30}
    port = vf(3, -1)
    assert decode_message(port, "ContainerPort") == {"containerPort": -1}


def test_packed_and_unpacked_repeated_ints_both_decode() -> None:
    values = b"".join(bytes([v]) for v in (1, 2, 3))
    packed = ld(2, values)
    unpacked = vf(2, 1) + vf(2, 2) + vf(2, 3)
    for body in (packed, unpacked):
        assert decode_message(body, "ContainerRestartRuleOnExitCodes") == {"values": [1, 2, 3]}


def test_special_types() -> None:
    time = ld(8, vf(1, 1_700_000_000))  # creationTimestamp
    assert decode_message(time, "ObjectMeta") == {"creationTimestamp": "2023-11-14T22:13:20Z"}
    assert decode_message(ld(8, b""), "ObjectMeta") == {}  # Go's zero Time is null in JSON
    limits = ld(1, ld(1, b"cpu") + ld(2, ld(1, b"500m")))
    assert decode_message(limits, "ResourceRequirements") == {"limits": {"cpu": "500m"}}
    surge = ld(2, vf(1, 1) + ld(3, b"25%"))
    assert decode_message(surge, "RollingUpdateDeployment") == {"maxSurge": "25%"}
    min_zero = ld(1, vf(1, 0) + vf(2, 0))  # *IntOrString present as 0 means 0
    assert decode_message(min_zero, "PodDisruptionBudgetSpec") == {"minAvailable": 0}
    fields = ld(7, ld(1, b'{"f:spec":{}}'))
    assert decode_message(fields, "ManagedFieldsEntry") == {"fieldsV1": {"f:spec": {}}}


def test_inline_sub_messages_merge_into_their_parent() -> None:
    volume = ld(1, b"data") + ld(2, ld(2, b""))  # Volume{name, volumeSource{emptyDir{}}}
    assert decode_message(volume, "Volume") == {"name": "data", "emptyDir": {}}
    probe = ld(1, ld(2, ld(1, b"/healthz"))) + vf(4, 5)  # Probe{handler{httpGet{path}}, periodSeconds}
    assert decode_message(probe, "Probe") == {"httpGet": {"path": "/healthz"}, "periodSeconds": 5}


def test_unknown_fields_are_skipped() -> None:
    body = ld(1, b"web") + ld(999, b"from the future") + vf(1000, 7)
    assert decode_message(body, "ObjectMeta") == {"name": "web"}


@pytest.mark.parametrize(("body", "problem"), [
    (b"\x0a\x03ab", "runs past the end"),
    (vf(1, 5), "ObjectMeta.name: got wire type varint, expected length-delimited"),
    (ld(7, b"x"), "ObjectMeta.generation: got wire type length-delimited, expected varint"),
    (ld(1, b"\xff\xfe"), "not valid UTF-8"),
    (ld(8, vf(1, 2**62)), "out of range"),
])
def test_malformed_messages_raise_protobuf_error(body: bytes, problem: str) -> None:
    with pytest.raises(ProtobufError, match=problem):
        decode_message(body, "ObjectMeta")


@pytest.mark.parametrize(("raw", "error", "problem"), [
    (b'{"kind": "Pod"}', ProtobufError, "prefix"),
    (MAGIC + ld(2, b""), ProtobufError, "typeMeta"),
    (MAGIC + ld(1, ld(1, b"v1") + ld(2, b"Pod")) + ld(3, b"gzip"), ProtobufError, "contentEncoding"),
    (encode_envelope("v1", "Node", b""), UnsupportedKind, "v1/Node"),
    (MAGIC + vf(1, 3), ProtobufError, "length-delimited"),
])
def test_bad_envelopes(raw: bytes, error: type[Exception], problem: str) -> None:
    with pytest.raises(error, match=problem):
        decode_object(raw)


@given(st.binary(max_size=300))
def test_arbitrary_object_bytes_never_raise_anything_but_protobuf_error(payload: bytes) -> None:
    for api_version, kind in (("apps/v1", "Deployment"), ("v1", "Service")):
        try:
            obj = decode_object(encode_envelope(api_version, kind, payload))
        except ProtobufError:
            continue
        assert obj["kind"] == kind


# --- round trip: any object the tables can express survives encode -> decode unchanged ---

_TEXT = st.text(string.ascii_letters + string.digits + "-./:_ é", min_size=1, max_size=8)
_INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_TIME = st.integers(min_value=1, max_value=253402300799).map(
    lambda s: dt.datetime.fromtimestamp(s, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
_MAX_DEPTH = 4


def _scalar(typ: str, keep_zero: bool) -> st.SearchStrategy[Any]:
    base = {"string": _TEXT, "int32": _INT32, "int64": _INT64, "bool": st.booleans(),
            "bytes": st.binary(max_size=8).map(lambda b: base64.b64encode(b).decode())}[typ]
    return base if keep_zero else base.filter(bool)


def _value(field: Field, depth: int, in_container: bool) -> st.SearchStrategy[Any]:
    typ = field.type
    if typ in SCALARS:
        return _scalar(typ, field.keep_zero or in_container)
    if typ == "Time":
        return _TIME
    if typ == "Quantity":
        return st.sampled_from(["1", "500m", "1Gi", "2.5", "100Ki"])
    if typ == "IntOrString":
        zero_ok = field.keep_zero or in_container
        return st.one_of(_INT32.filter(lambda v: zero_ok or v), _TEXT)
    if typ == "FieldsV1":
        return st.dictionaries(_TEXT, st.just({}), max_size=2)
    return _message(typ, depth + 1)


def _message(name: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    if depth > _MAX_DEPTH:
        return st.just({})
    optional: dict[str, st.SearchStrategy[Any]] = {}
    inline: list[st.SearchStrategy[dict[str, Any]]] = []
    for field in MESSAGES[name].values():
        if field.inline:
            inline.append(st.deferred(lambda f=field: _message(f.type, depth + 1)))
        elif field.card == "list":
            optional[field.json_name] = st.lists(_value(field, depth, True), min_size=1, max_size=2)
        elif field.card == "map":
            optional[field.json_name] = st.dictionaries(_TEXT, _value(field, depth, True), min_size=1, max_size=2)
        else:
            optional[field.json_name] = _value(field, depth, False)
    own = st.fixed_dictionaries({}, optional=optional)
    if not inline:
        return own
    return st.tuples(own, *inline).map(lambda parts: {k: v for part in parts for k, v in part.items()})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(sorted(OBJECT_MESSAGES)).flatmap(
    lambda gvk: _message(OBJECT_MESSAGES[gvk]).map(lambda obj: {"apiVersion": gvk[0], "kind": gvk[1], **obj})))
def test_every_kind_round_trips_through_encode_and_decode(obj: dict[str, Any]) -> None:
    assert decode_object(encode_object(obj)) == obj


@given(_message("PodSpec", 1))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_pod_spec_round_trips(spec: dict[str, Any]) -> None:
    assert decode_message(encode_message(spec, "PodSpec"), "PodSpec") == spec
