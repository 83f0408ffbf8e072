"""The restricted level's own checks (on top of baseline), as k8s.io/pod-security-admission/policy.

Windows pods (spec.os.name: windows) skip the Linux-only ones from v1.25, and pods
in a user namespace (hostUsers: false) the runAsNonRoot / runAsUser ones from v1.35.
"""

from __future__ import annotations

from typing import Any

from kube.apiserver.admission.pod_security.checks_baseline import (
    Result,
    containers,
    containers_phrase,
    d,
    plural,
    quote,
    sc,
    seccomp_explicit,
    setters,
    user_namespace,
)

ALLOWED_VOLUME_SOURCES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
                                    "persistentVolumeClaim", "projected", "secret"})
RESTRICTED_VOLUME_SOURCES = ("hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi",
                             "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile",
                             "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume",
                             "scaleIO", "storageos")


def windows(spec: dict[str, Any]) -> bool:
    return d(spec.get("os")).get("name") == "windows"


def allow_privilege_escalation_1_8(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad = [c.get("name", "") for c in containers(spec) if sc(c).get("allowPrivilegeEscalation") is not False]
    if bad:
        return ("allowPrivilegeEscalation != false",
                f"{containers_phrase(bad)} must set securityContext.allowPrivilegeEscalation=false")
    return None


def allow_privilege_escalation_1_25(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    return None if windows(spec) else allow_privilege_escalation_1_8(meta, spec)


def capabilities_restricted_1_22(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    missing_drop: list[str] = []
    adding: list[str] = []
    forbidden: set[str] = set()
    for c in containers(spec):
        caps = sc(c).get("capabilities")
        if not isinstance(caps, dict):
            missing_drop.append(c.get("name", ""))
            continue
        if "ALL" not in (caps.get("drop") or []):
            missing_drop.append(c.get("name", ""))
        extra = [str(x) for x in caps.get("add") or [] if x != "NET_BIND_SERVICE"]
        if extra:
            adding.append(c.get("name", ""))
            forbidden.update(extra)
    details = []
    if missing_drop:
        details.append(f'{containers_phrase(missing_drop)} must set securityContext.capabilities.drop=["ALL"]')
    if adding:
        details.append(f"{containers_phrase(adding)} must not include {quote(sorted(forbidden))} in "
                       "securityContext.capabilities.add")
    return ("unrestricted capabilities", "; ".join(details)) if details else None


def capabilities_restricted_1_25(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    return None if windows(spec) else capabilities_restricted_1_22(meta, spec)


def restricted_volumes(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad: list[str] = []
    types: set[str] = set()
    for v in spec.get("volumes") or []:
        if not isinstance(v, dict) or any(v.get(src) is not None for src in ALLOWED_VOLUME_SOURCES):
            continue
        bad.append(str(v.get("name", "")))
        types.add(next((src for src in RESTRICTED_VOLUME_SOURCES if v.get(src) is not None), "unknown"))
    if not bad:
        return None
    return "restricted volume types", (
        f"{plural('volume', 'volumes', len(bad))} {quote(bad)} {plural('uses', 'use', len(bad))} "
        f"{plural('restricted volume type', 'restricted volume types', len(types))} {quote(sorted(types))}")


def run_as_non_root_1_0(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    pod_value = sc(spec).get("runAsNonRoot")
    pod_bad, pod_ok = pod_value is False, pod_value is True
    explicit, implicit = [], []
    for c in containers(spec):
        value = sc(c).get("runAsNonRoot")
        if value is False:
            explicit.append(c.get("name", ""))
        elif value is None and not pod_ok:
            implicit.append(c.get("name", ""))
    who = setters(pod_bad, explicit)
    if who:
        return "runAsNonRoot != true", f"{' and '.join(who)} must not set securityContext.runAsNonRoot=false"
    if implicit:
        return "runAsNonRoot != true", f"pod or {containers_phrase(implicit)} must set securityContext.runAsNonRoot=true"
    return None


def run_as_non_root_1_35(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    return None if user_namespace(spec) else run_as_non_root_1_0(meta, spec)


def run_as_user_1_23(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    pod_bad = sc(spec).get("runAsUser") == 0
    bad = [c.get("name", "") for c in containers(spec) if sc(c).get("runAsUser") == 0]
    who = setters(pod_bad, bad)
    return ("runAsUser=0", f"{' and '.join(who)} must not set runAsUser=0") if who else None


def run_as_user_1_35(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    return None if user_namespace(spec) else run_as_user_1_23(meta, spec)


def seccomp_restricted_1_19(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    pod_bad, pod_set, bad, unset, values = seccomp_explicit(spec)
    who = setters(pod_bad, bad)
    if who:
        return "seccompProfile", (f"{' and '.join(who)} must not set securityContext.seccompProfile.type to "
                                  f"{quote(sorted(values))}")
    implicit = [] if pod_set else unset
    if implicit:
        return "seccompProfile", (f"pod or {containers_phrase(implicit)} must set securityContext.seccompProfile.type "
                                  'to "RuntimeDefault" or "Localhost"')
    return None


def seccomp_restricted_1_25(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    return None if windows(spec) else seccomp_restricted_1_19(meta, spec)
