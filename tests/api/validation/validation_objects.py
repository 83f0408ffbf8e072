"""Valid example objects of every kind for the validation tests to break one field at a time."""

from __future__ import annotations

import copy
from typing import Any

from kube.api.defaults import apply_defaults

_OBJECTS: dict[str, dict[str, Any]] = {
    "Pod": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "default",
                                                             "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.25",
                                     "ports": [{"name": "http", "containerPort": 80}],
                                     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                                   "limits": {"cpu": "1", "memory": "128Mi"}},
                                     "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                                     "env": [{"name": "MODE", "value": "prod"}],
                                     "readinessProbe": {"httpGet": {"port": "http"}}}],
                     "volumes": [{"name": "data", "emptyDir": {}}]}},
    "Deployment": {"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "web", "namespace": "default"},
                   "spec": {"selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}},
                                         "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}},
    "ReplicaSet": {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": "web-abc", "namespace": "default"},
                   "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web", "tier": "fe"}},
                                         "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}},
    "Service": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
                "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080},
                                                               {"name": "https", "port": 443}]}},
    "Endpoints": {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"},
                  "subsets": [{"addresses": [{"ip": "10.1.0.2"}], "ports": [{"port": 8080}]}]},
    "Namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}},
    "Node": {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "labels": {"zone": "a"}},
             "spec": {"podCIDR": "10.244.1.0/24", "taints": [{"key": "dedicated", "value": "db",
                                                               "effect": "NoSchedule"}]},
             "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}},
    "ConfigMap": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"},
                  "data": {"app.conf": "x=1"}, "binaryData": {"blob": "aGk="}},
    "Secret": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "default"},
               "data": {"password": "c2VjcmV0"}},
    "Event": {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web-1.1", "namespace": "default"},
              "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "default"},
              "reason": "Scheduled", "type": "Normal"},
    "Lease": {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
              "metadata": {"name": "kube-scheduler", "namespace": "kube-system"},
              "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}},
    "PodDisruptionBudget": {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                            "metadata": {"name": "web", "namespace": "default"},
                            "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}}},
    "FlowSchema": {"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
                   "metadata": {"name": "batch-jobs"},
                   "spec": {"priorityLevelConfiguration": {"name": "workload-low"},
                            "distinguisherMethod": {"type": "ByNamespace"},
                            "rules": [{"subjects": [{"kind": "ServiceAccount",
                                                     "serviceAccount": {"name": "*", "namespace": "batch"}}],
                                       "resourceRules": [{"verbs": ["list", "watch"], "apiGroups": ["batch"],
                                                          "resources": ["jobs"], "namespaces": ["batch"]}],
                                       "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["/metrics"]}]}]}},
    "PriorityLevelConfiguration": {"apiVersion": "flowcontrol.apiserver.k8s.io/v1",
                                   "kind": "PriorityLevelConfiguration", "metadata": {"name": "batch"},
                                   "spec": {"type": "Limited", "limited": {
                                       "nominalConcurrencyShares": 5, "lendablePercent": 50,
                                       "limitResponse": {"type": "Queue", "queuing": {"queues": 16, "handSize": 4}}}}},
}

KINDS = sorted(_OBJECTS)


def sample(kind: str, defaulted: bool = True) -> dict[str, Any]:
    obj = copy.deepcopy(_OBJECTS[kind])
    return apply_defaults(obj) if defaulted else obj


def messages(errors: list[Any]) -> list[str]:
    return [e.message() for e in errors]
