"""The proxy's programmed Lease: how a node agent learns what every `kube proxy` has put in
the kernel, without either importing the other (issue 16: no dropped request in a drain).

Each proxy keeps the Lease `kube-proxy-<hostname>` in kube-node-lease, labelled
`kube.io/component=kube-proxy`, renewed as node Leases are; its annotation
`kube.io/programmed-revision` is the EndpointSlice resourceVersion its informer had reached
when it computed the rules of its last successful sync. Watch events arrive in revision
order, so a proxy at revision R holds every EndpointSlice change up to R in its rules.
Kubernetes has no such record (applications add `preStop: sleep` and hope); this is the
contract between kube/proxy/programmed_lease.py, which writes it, and
kube/node/termination_gate.py, which reads it.
"""

from __future__ import annotations

from kube.api.age import parse_timestamp
from kube.api.meta import Obj

LEASE_NAMESPACE = "kube-node-lease"
COMPONENT_LABEL = "kube.io/component"
PROXY_COMPONENT = "kube-proxy"
SELECTOR = f"{COMPONENT_LABEL}={PROXY_COMPONENT}"
REVISION_ANNOTATION = "kube.io/programmed-revision"
LEASE_DURATION_SECONDS = 30
RENEW_SECONDS = 10.0


def lease_name(hostname: str) -> str:
    return f"{PROXY_COMPONENT}-{hostname}"


def revision_of(text: object) -> int | None:
    """A resourceVersion (or the annotation) as an integer; None when absent or not a number."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if isinstance(text, str) and text.isdigit():
        return int(text)
    return None


def programmed_revision(lease: Obj) -> int | None:
    """The revision a proxy Lease reports as programmed; None when it reports none."""
    return revision_of(((lease.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION))


def is_live(lease: Obj, now: float) -> bool:
    """Renewed within its own leaseDurationSeconds: its proxy is (very likely) still running."""
    spec = lease.get("spec") or {}
    renewed = parse_timestamp(spec.get("renewTime"))
    duration = spec.get("leaseDurationSeconds")
    if renewed is None or not isinstance(duration, int) or isinstance(duration, bool):
        return False
    return now < renewed + duration


def holder(lease: Obj) -> str:
    return str((lease.get("spec") or {}).get("holderIdentity") or (lease.get("metadata") or {}).get("name", ""))


def lease_body(hostname: str, revision: int, renew_time: str,
               duration: int = LEASE_DURATION_SECONDS) -> Obj:
    """The Lease a proxy writes after a sync that programmed `revision`."""
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": lease_name(hostname), "namespace": LEASE_NAMESPACE,
                         "labels": {COMPONENT_LABEL: PROXY_COMPONENT},
                         "annotations": {REVISION_ANNOTATION: str(revision)}},
            "spec": {"holderIdentity": hostname, "leaseDurationSeconds": duration, "renewTime": renew_time}}
