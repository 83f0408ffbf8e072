"""The ServiceAccount admission, as Kubernetes' `plugin/pkg/admission/serviceaccount`.

A new pod runs as `spec.serviceAccountName` (default `default`) and, unless the pod or
its ServiceAccount says `automountServiceAccountToken: false`, gets the projected volume
`kube-api-access-<5 random>` mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount
in every container: a bound token (`token`, 3607 s, renewed by the node agent), the
cluster CA (`ca.crt` from the `kube-root-ca.crt` ConfigMap) and the pod's `namespace`.

Only a server that issues tokens (`--service-account-signing-key-file`) admits this way:
without one nothing could fill the volume. A named ServiceAccount that does not exist is
refused (403, as Kubernetes); a missing `default` one is not, because the ServiceAccount
controller creates it within a second of the namespace and the node agent waits for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kube.api.errors import StatusError
from kube.api.meta import Obj

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState

MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
VOLUME_PREFIX = "kube-api-access-"
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
TOKEN_SECONDS = 3607  # Kubernetes' choice: an hour and a bit, so it is told apart from user-requested tokens
_CONTAINER_KEYS = ("initContainers", "containers", "ephemeralContainers")


def api_access_volume(name: str) -> Obj:
    return {"name": name, "projected": {"defaultMode": 0o644, "sources": [
        {"serviceAccountToken": {"expirationSeconds": TOKEN_SECONDS, "path": "token"}},
        {"configMap": {"name": ROOT_CA_CONFIGMAP, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
    ]}}


def _mounts_token_path(spec: Obj) -> bool:
    return any(m.get("mountPath") == MOUNT_PATH for key in _CONTAINER_KEYS for c in spec.get(key) or []
               if isinstance(c, dict) for m in c.get("volumeMounts") or [] if isinstance(m, dict))


def mount_api_access(pod: Obj, account: Obj | None) -> Obj:
    """The pod with its ServiceAccount name and, when it should have one, its API access volume."""
    spec = pod.setdefault("spec", {})
    name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = spec["serviceAccount"] = name
    automount: Any = spec.get("automountServiceAccountToken")
    if automount is None and account is not None:
        automount = account.get("automountServiceAccountToken")
    if automount is False or _mounts_token_path(spec):
        return pod
    from kube.apiserver.storage.lifecycle import generate_name

    volumes = spec.setdefault("volumes", [])
    if any(str(v.get("name", "")).startswith(VOLUME_PREFIX) for v in volumes if isinstance(v, dict)):
        return pod  # admitted already (a retried create)
    meta: Obj = {"generateName": VOLUME_PREFIX}
    generate_name(meta)
    volumes.append(api_access_volume(meta["name"]))
    for key in _CONTAINER_KEYS:
        for container in spec.get(key) or []:
            if isinstance(container, dict):
                container.setdefault("volumeMounts", []).append(
                    {"name": meta["name"], "readOnly": True, "mountPath": MOUNT_PATH})
    return pod


async def admit_service_account(state: ServerState, pod: Obj) -> Obj:
    if state.service_accounts is None or state.service_accounts.signer is None:
        return pod
    if ((pod.get("metadata") or {}).get("annotations") or {}).get("kubernetes.io/config.mirror"):
        return pod  # mirror pods of static pods may not use ServiceAccounts
    from kube.apiserver.subresources.token_request import cached

    namespace = str(pod["metadata"].get("namespace", ""))
    spec = pod.get("spec") or {}
    name = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
    account = cached(state.cache, "serviceaccounts", namespace, name)
    if account is None:
        await state.cache.consistent()  # created a moment ago? the cache may not have it yet
        account = cached(state.cache, "serviceaccounts", namespace, name)
    if account is None and name != "default":
        raise StatusError(403, "Forbidden", f'pods "{pod["metadata"].get("name", "")}" is forbidden: error looking '
                                            f'up service account {namespace}/{name}: serviceaccount "{name}" not found',
                          {"name": pod["metadata"].get("name", ""), "kind": "pods"})
    return mount_api_access(pod, account)
