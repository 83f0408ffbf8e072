"""The message tables, parsed once: message name -> {field number: Field}.

The tables are written as one compact string per message, `"<number> <jsonName> <type><marks>"`
joined by ", ", because 170 messages as nested tuples would be unreadable. Marks:

- `*`  repeated (a JSON list)
- `{}` map<string, type> (a JSON object)
- `!`  keep a zero value: the Go field is a pointer or has no `omitempty`, so JSON would carry
       `0`/`""`/`false`. Go's generated marshallers write every non-pointer scalar, zero or not,
       so without this mark a zero scalar is dropped, as Go's JSON encoder would drop it.
- `^`  inline: the sub-message's fields belong to the parent JSON object (`json:",inline"`),
       e.g. Volume.volumeSource, Probe.handler.

Types: the scalars `string int32 int64 bool bytes`, the special messages with their own JSON
form (`Time`, `Quantity`, `IntOrString`, `FieldsV1`), or another message name.

The kinds and specs are the closure of what Namespace, ConfigMap, Secret, Service, Pod,
Deployment, ReplicaSet, PodDisruptionBudget, Eviction, Scale and Binding can hold.
"""

from __future__ import annotations

from typing import NamedTuple

from kube.apiserver.protobuf.schema_authentication import AUTHENTICATION_MESSAGES
from kube.apiserver.protobuf.schema_batch import BATCH_MESSAGES
from kube.apiserver.protobuf.schema_certificates import CERTIFICATES_MESSAGES
from kube.apiserver.protobuf.schema_kinds import KIND_MESSAGES
from kube.apiserver.protobuf.schema_meta import META_MESSAGES
from kube.apiserver.protobuf.schema_pod import POD_MESSAGES
from kube.apiserver.protobuf.schema_rbac import RBAC_MESSAGES, RBAC_OBJECT_MESSAGES
from kube.apiserver.protobuf.schema_status import POD_STATUS_MESSAGES
from kube.apiserver.protobuf.schema_volumes import VOLUME_MESSAGES

SCALARS = frozenset({"string", "int32", "int64", "bool", "bytes"})
SPECIALS = frozenset({"Time", "Quantity", "IntOrString", "FieldsV1"})


class Field(NamedTuple):
    json_name: str
    type: str  # a scalar, a special, or a message name
    card: str  # "" single, "list" repeated, "map" map<string, type>
    keep_zero: bool
    inline: bool


def parse_fields(spec: str) -> dict[int, Field]:
    fields: dict[int, Field] = {}
    for entry in spec.split(","):
        number, json_name, typ = entry.split()
        card = "list" if "*" in typ else "map" if "{}" in typ else ""
        base = typ.rstrip("*{}!^")
        fields[int(number)] = Field(json_name, base, card, "!" in typ, "^" in typ)
    return fields


def _all_messages() -> dict[str, dict[int, Field]]:
    merged: dict[str, str] = {}
    for table in (META_MESSAGES, POD_MESSAGES, VOLUME_MESSAGES, POD_STATUS_MESSAGES, KIND_MESSAGES,
                  BATCH_MESSAGES, AUTHENTICATION_MESSAGES, RBAC_MESSAGES, CERTIFICATES_MESSAGES):
        overlap = merged.keys() & table.keys()
        assert not overlap, f"message defined twice: {overlap}"
        merged.update(table)
    return {name: parse_fields(spec) for name, spec in merged.items()}


MESSAGES: dict[str, dict[int, Field]] = _all_messages()

# (apiVersion, kind) of a request body -> the message its `raw` bytes hold
OBJECT_MESSAGES: dict[tuple[str, str], str] = {
    ("v1", "Namespace"): "Namespace",
    ("v1", "ConfigMap"): "ConfigMap",
    ("v1", "Secret"): "Secret",
    ("v1", "Service"): "Service",
    ("v1", "Pod"): "Pod",
    ("apps/v1", "Deployment"): "Deployment",
    ("apps/v1", "ReplicaSet"): "ReplicaSet",
    ("policy/v1", "PodDisruptionBudget"): "PodDisruptionBudget",
    ("policy/v1", "Eviction"): "Eviction",
    ("autoscaling/v1", "Scale"): "Scale",
    ("v1", "Binding"): "Binding",
    ("authentication.k8s.io/v1", "TokenRequest"): "TokenRequest",
    ("batch/v1", "Job"): "Job",
    ("batch/v1", "CronJob"): "CronJob",
    ("batch/v1", "DeleteOptions"): "DeleteOptions",
    ("meta.k8s.io/v1", "DeleteOptions"): "DeleteOptions",
    ("v1", "DeleteOptions"): "DeleteOptions",
    ("apps/v1", "DeleteOptions"): "DeleteOptions",
    ("policy/v1", "DeleteOptions"): "DeleteOptions",
    ("certificates.k8s.io/v1", "CertificateSigningRequest"): "CertificateSigningRequest",
    ("certificates.k8s.io/v1", "DeleteOptions"): "DeleteOptions",
    **RBAC_OBJECT_MESSAGES,
}


def message_for(api_version: str, kind: str) -> str | None:
    return OBJECT_MESSAGES.get((api_version, kind))
