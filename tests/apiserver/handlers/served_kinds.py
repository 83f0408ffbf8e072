"""One valid object of every kind the API server serves, and the order Kubernetes' Go types
give their top-level fields (read from k8s.io/api: core/v1, apps/v1, batch/v1, rbac/v1,
discovery/v1, coordination/v1, policy/v1, authorization/v1, authentication/v1, certificates/v1,
flowcontrol/v1 types.go).

The Go orders are written out here, not taken from kube/api/field_order.py, so a wrong
or missing entry there makes the test fail."""

from __future__ import annotations

from typing import Any

from tests.apiserver.certificates.requests import SAMPLE_REQUEST

_TEMPLATE = {"metadata": {"labels": {"app": "ordered"}},
             "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1"}]}}
_SELECTOR = {"matchLabels": {"app": "ordered"}}
_NEVER = {"metadata": {}, "spec": {"restartPolicy": "Never",
                                   "containers": [{"name": "c", "image": "kube.local/busybox:1"}]}}
_RBAC = "rbac.authorization.k8s.io"

SPEC_STATUS = ("spec", "status")

# k8s.io/apimachinery/pkg/apis/meta/v1/types.go
OBJECT_META = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
               "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
               "ownerReferences", "finalizers", "managedFields")
LIST_META = ("selfLink", "resourceVersion", "continue", "remainingItemCount", "shardInfo")

# kind -> its Go struct's fields after TypeMeta (kind, apiVersion) and metadata
GO_ORDER: dict[str, tuple[str, ...]] = {
    "Namespace": SPEC_STATUS, "Pod": SPEC_STATUS, "Node": SPEC_STATUS, "Service": SPEC_STATUS,
    "Endpoints": ("subsets",),
    "Event": ("involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "type",
              "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance"),
    "ConfigMap": ("immutable", "data", "binaryData"),
    "Secret": ("immutable", "data", "stringData", "type"),
    "ServiceAccount": ("secrets", "imagePullSecrets", "automountServiceAccountToken"),
    "ReplicaSet": SPEC_STATUS, "Deployment": SPEC_STATUS, "DaemonSet": SPEC_STATUS,
    "ControllerRevision": ("data", "revision"),
    "ReplicationController": SPEC_STATUS, "Job": SPEC_STATUS, "CronJob": SPEC_STATUS,
    "Lease": ("spec",),
    "EndpointSlice": ("addressType", "endpoints", "ports"),
    "PodDisruptionBudget": SPEC_STATUS,
    "ClusterRole": ("rules", "aggregationRule"),
    "ClusterRoleBinding": ("subjects", "roleRef"),
    "Role": ("rules",),
    "RoleBinding": ("subjects", "roleRef"),
    "SelfSubjectAccessReview": SPEC_STATUS, "SelfSubjectRulesReview": SPEC_STATUS,
    "SubjectAccessReview": SPEC_STATUS, "LocalSubjectAccessReview": SPEC_STATUS,
    "SelfSubjectReview": ("status",), "TokenReview": SPEC_STATUS,
    "CertificateSigningRequest": SPEC_STATUS,
    "FlowSchema": SPEC_STATUS, "PriorityLevelConfiguration": SPEC_STATUS,
    # subresource bodies
    "Scale": SPEC_STATUS,
}

# kind -> the body a client sends to create one (namespace "default" where namespaced)
SAMPLES: dict[str, dict[str, Any]] = {
    "Namespace": {"metadata": {"name": "ordered"}, "spec": {}},
    "Pod": {"metadata": {"name": "ordered", "labels": {"app": "ordered"}}, "spec": _TEMPLATE["spec"]},
    "Node": {"metadata": {"name": "ordered"}, "spec": {"podCIDR": "10.244.9.0/24"},
             "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}},
    "Service": {"metadata": {"name": "ordered"}, "spec": {"selector": {"app": "ordered"}, "ports": [{"port": 80}]}},
    "Endpoints": {"metadata": {"name": "ordered"},
                  "subsets": [{"addresses": [{"ip": "10.1.0.2"}], "ports": [{"port": 8080}]}]},
    "Event": {"metadata": {"name": "ordered.1"}, "involvedObject": {"kind": "Pod", "name": "ordered",
                                                                    "namespace": "default"},
              "reason": "Scheduled", "message": "placed", "source": {"component": "test"},
              "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z", "count": 1,
              "type": "Normal", "reportingComponent": "test", "reportingInstance": "t-1"},
    "ConfigMap": {"metadata": {"name": "ordered"}, "immutable": False, "data": {"a": "1"},
                  "binaryData": {"b": "aGk="}},
    "Secret": {"metadata": {"name": "ordered"}, "immutable": False, "data": {"k": "dg=="}, "type": "Opaque"},
    "ServiceAccount": {"metadata": {"name": "ordered"}, "imagePullSecrets": [{"name": "pull"}],
                       "automountServiceAccountToken": False},
    "ReplicaSet": {"metadata": {"name": "ordered"}, "spec": {"replicas": 0, "selector": _SELECTOR,
                                                             "template": _TEMPLATE}},
    "Deployment": {"metadata": {"name": "ordered"}, "spec": {"replicas": 0, "selector": _SELECTOR,
                                                             "template": _TEMPLATE}},
    "DaemonSet": {"metadata": {"name": "ordered"}, "spec": {"selector": _SELECTOR, "template": _TEMPLATE}},
    "ControllerRevision": {"metadata": {"name": "ordered-1"}, "data": {"spec": {}}, "revision": 1},
    "ReplicationController": {"metadata": {"name": "ordered"},
                              "spec": {"replicas": 0, "selector": {"app": "ordered"}, "template": _TEMPLATE}},
    "Job": {"metadata": {"name": "ordered"}, "spec": {"suspend": True, "template": _NEVER}},
    "CronJob": {"metadata": {"name": "ordered"},
                "spec": {"schedule": "0 0 1 1 *", "suspend": True, "jobTemplate": {"spec": {"template": _NEVER}}}},
    "Lease": {"metadata": {"name": "ordered"}, "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}},
    "EndpointSlice": {"metadata": {"name": "ordered"}, "addressType": "IPv4",
                      "endpoints": [{"addresses": ["10.1.0.2"]}], "ports": [{"name": "http", "port": 80}]},
    "PodDisruptionBudget": {"metadata": {"name": "ordered"}, "spec": {"minAvailable": 1, "selector": _SELECTOR}},
    "ClusterRole": {"metadata": {"name": "ordered"}, "rules": [],
                    "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"ordered": "true"}}]}},
    "ClusterRoleBinding": {"metadata": {"name": "ordered"},
                           "subjects": [{"kind": "User", "apiGroup": _RBAC, "name": "someone"}],
                           "roleRef": {"apiGroup": _RBAC, "kind": "ClusterRole", "name": "view"}},
    "Role": {"metadata": {"name": "ordered"}, "rules": [{"verbs": ["get"], "apiGroups": [""],
                                                        "resources": ["pods"]}]},
    "RoleBinding": {"metadata": {"name": "ordered"},
                    "subjects": [{"kind": "User", "apiGroup": _RBAC, "name": "someone"}],
                    "roleRef": {"apiGroup": _RBAC, "kind": "Role", "name": "ordered"}},
    "SelfSubjectAccessReview": {"metadata": {}, "spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}},
    "SelfSubjectRulesReview": {"metadata": {}, "spec": {"namespace": "default"}},
    "TokenReview": {"metadata": {}, "spec": {"token": "not-a-token-of-this-cluster"}},
    "SubjectAccessReview": {"metadata": {}, "spec": {"user": "someone",
                                                     "resourceAttributes": {"verb": "get", "resource": "pods"}}},
    "LocalSubjectAccessReview": {"metadata": {"namespace": "default"},
                                 "spec": {"user": "someone", "resourceAttributes": {"verb": "get", "resource": "pods",
                                                                                    "namespace": "default"}}},
    "SelfSubjectReview": {"metadata": {}},
    "CertificateSigningRequest": {"metadata": {"name": "ordered"}, "spec": {
        "request": SAMPLE_REQUEST, "signerName": "example.com/ordered", "usages": ["client auth"]}},
    "FlowSchema": {"metadata": {"name": "ordered"}, "spec": {
        "priorityLevelConfiguration": {"name": "workload-low"}, "matchingPrecedence": 5000,
        "rules": [{"subjects": [{"kind": "User", "user": {"name": "someone"}}],
                   "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/version"]}]}]}},
    "PriorityLevelConfiguration": {"metadata": {"name": "ordered"}, "spec": {
        "type": "Limited", "limited": {"limitResponse": {"type": "Reject"}}}},
}


def reversed_fields(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with its top-level fields, and its metadata's, in the reverse of Go's order
    (plus labels and annotations, which the server keeps): an answer that kept the
    client's order then cannot pass for Go's."""
    out = dict(reversed(body.items()))
    meta = out.get("metadata", {})
    out["metadata"] = {"annotations": {"note": "x"}, "labels": meta.get("labels", {"ordered": "yes"}),
                       **dict(reversed(meta.items()))}
    return out


def go_keys(kind: str, keys: list[str]) -> list[str]:
    """The Go type's fields that `keys` has, in Go's order; a key the type lacks is
    dropped, so comparing with `keys` shows it too."""
    return [k for k in ("kind", "apiVersion", "metadata", *GO_ORDER[kind]) if k in keys]


def go_meta_keys(keys: list[str], names: tuple[str, ...] = OBJECT_META) -> list[str]:
    """The same for an ObjectMeta (or, with LIST_META, a ListMeta)."""
    return [k for k in names if k in keys]
