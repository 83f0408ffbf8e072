"""Pod Security admission: the namespace's levels applied to pods and to workloads' pod templates.

As k8s.io/pod-security-admission/admission, called by the write path after defaults
and validation (so dry runs are judged too):

- a Pod create, or an update that changes an image or the containers: `enforce`
  refuses it (403, `pods "x" is forbidden: violates PodSecurity "restricted:latest": ...`),
  `warn` adds a `Warning` header, `audit` logs the violation (this server keeps no
  audit log; upstream writes an audit annotation);
- a workload (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
  ReplicationController, PodTemplate): `warn` and `audit` on its pod template,
  never refused (its pods will be); only when created or its template changes
  (upstream judges every update, which here would log an audit line for each
  write of its controller);
- a Namespace: invalid `pod-security.kubernetes.io/*` labels are refused (422),
  and a stricter `enforce` warns about the existing pods that would violate it.

Exempt namespaces, users and runtime classes (from `--admission-control-config-file`)
are not judged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from kube.api.errors import StatusError, invalid_object
from kube.api.meta import Obj
from kube.api.registry import KindInfo, by_gvk
from kube.apiserver.admission.pod_security import config as psa_config
from kube.apiserver.admission.pod_security.evaluator import evaluate
from kube.apiserver.admission.pod_security.policy import (
    LABEL_PREFIX,
    PRIVILEGED,
    LevelVersion,
    Policy,
    compare_levels,
    policy_from_labels,
)
from kube.apiserver.admission.warnings import add_warning
from kube.apiserver.auth.request_user import current_user

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState

log = logging.getLogger("kube.apiserver.admission.pod_security")

NAMESPACE = by_gvk("", "v1", "Namespace")
POD = by_gvk("", "v1", "Pod")
IGNORED_POD_SUBRESOURCES = frozenset({"exec", "attach", "binding", "eviction", "log", "portforward", "proxy",
                                      "status"})
MAX_PODS_TO_CHECK = 3000
_TEMPLATE_PATHS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "PodTemplate"): ("template",),
    ("", "ReplicationController"): ("spec", "template"),
    ("apps", "ReplicaSet"): ("spec", "template"),
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "StatefulSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _labels(obj: Obj | None) -> dict[str, str]:
    labels = _dict(_dict((obj or {}).get("metadata")).get("labels"))
    return {k: str(v) for k, v in labels.items() if k.startswith(LABEL_PREFIX)}


async def admit(state: ServerState, kind: KindInfo, obj: Obj, old: Obj | None, subresource: str,
                username: str = "") -> None:
    """Judge one write; raises 403/422 StatusError to refuse, records warnings otherwise."""
    conf = psa_config.load(state.config.admission_control_config_file)
    if kind is NAMESPACE:
        if not subresource:
            _admit_namespace(state, conf, obj, old)
        return
    is_pod = kind is POD
    template_path = None if is_pod else _TEMPLATE_PATHS.get((kind.group, kind.kind))
    if not is_pod and template_path is None:
        return
    if (is_pod and subresource in IGNORED_POD_SUBRESOURCES) or (not is_pod and subresource):
        return
    if old is not None and not (_significant_pod_update(obj, old) if is_pod
                                else _template(obj, template_path) != _template(old, template_path)):
        return  # nothing the policy looks at changed (a workload's controller writes it often)
    meta = _dict(obj.get("metadata"))
    namespace = str(meta.get("namespace") or "")
    if not username and conf.exempt_usernames:
        user = current_user()
        username = user.name if user is not None else ""
    if namespace in conf.exempt_namespaces or (username and username in conf.exempt_usernames):
        return
    ns = await state.objects.get(NAMESPACE, "", namespace) if NAMESPACE is not None else None
    policy, errors = policy_from_labels(_labels(ns), conf.defaults)
    if not errors and (policy.fully_privileged if is_pod else
                       policy.warn.level == PRIVILEGED and policy.audit.level == PRIVILEGED):
        return
    if is_pod:
        pod_meta, spec = meta, _dict(obj.get("spec"))
    else:
        template = _template(obj, template_path)
        if template is None:
            return
        pod_meta, spec = _dict(template.get("metadata")), _dict(template.get("spec"))
    if spec.get("runtimeClassName") and spec["runtimeClassName"] in conf.exempt_runtime_classes:
        return
    where = f"{kind.plural} {namespace}/{meta.get('name', '')}"
    if is_pod:
        verdict = evaluate(policy.enforce, pod_meta, spec)
        if not verdict.allowed:
            raise StatusError(403, "Forbidden", f'pods "{meta.get("name", "")}" is forbidden: violates PodSecurity '
                              f'"{policy.enforce}": {verdict.detail()}', {"name": meta.get("name", ""), "kind": "pods"})
    audit = evaluate(policy.audit, pod_meta, spec)
    if not audit.allowed:  # upstream: the pod-security.kubernetes.io/audit-violations audit annotation
        log.info('audit %s: would violate PodSecurity "%s": %s', where, policy.audit, audit.detail())
    warn = evaluate(policy.warn, pod_meta, spec)
    if not warn.allowed:
        add_warning(f'would violate PodSecurity "{policy.warn}": {warn.detail()}')


def _template(obj: Obj, path: tuple[str, ...] | None) -> dict[str, Any] | None:
    template: Any = obj
    for step in path or ():
        template = _dict(template).get(step)
    return template if isinstance(template, dict) else None


def _significant_pod_update(new: Obj, old: Obj) -> bool:
    """Only images (and added ephemeral containers) can change on a running pod's spec."""
    spec, old_spec = _dict(new.get("spec")), _dict(old.get("spec"))
    for field in ("containers", "initContainers"):
        now, before = spec.get(field) or [], old_spec.get(field) or []
        if len(now) != len(before):
            return True
        if any(_dict(a).get("image") != _dict(b).get("image") for a, b in zip(now, before, strict=True)):
            return True
    old_ephemeral = {_dict(c).get("name"): _dict(c) for c in old_spec.get("ephemeralContainers") or []}
    return any(_dict(c).get("name") not in old_ephemeral or
               _dict(c).get("image") != old_ephemeral[_dict(c).get("name")].get("image")
               for c in spec.get("ephemeralContainers") or [])


def _admit_namespace(state: ServerState, conf: psa_config.PodSecurityConfig, obj: Obj, old: Obj | None) -> None:
    name = str(_dict(obj.get("metadata")).get("name", ""))
    labels = _labels(obj)
    policy, errors = policy_from_labels(labels, conf.defaults)
    old_policy, old_errors = policy_from_labels(_labels(old), conf.defaults) if old is not None else (None, [])
    if errors and (old is None or not old_errors or [e.message() for e in errors] != [e.message()
                                                                                        for e in old_errors]):
        raise invalid_object("Namespace", name, errors)
    if old_policy is not None:
        same_version = policy.enforce.version == old_policy.enforce.version
        if (policy.enforce == old_policy.enforce or policy.enforce.level == PRIVILEGED
                or (same_version and compare_levels(policy.enforce.level, old_policy.enforce.level) < 1)):
            return
    elif name not in conf.exempt_namespaces:
        return
    if name in conf.exempt_namespaces:
        warning = _exempt_warning(name, policy, conf.defaults, labels)
        if warning:
            add_warning(warning)
        return
    for warning in _existing_pod_warnings(state, name, policy.enforce):
        add_warning(warning)


def _exempt_warning(name: str, policy: Policy, defaults: Policy, labels: dict[str, str]) -> str:
    if policy.fully_privileged or policy.equivalent(defaults):
        return ""
    parts = [f"{mode}={lv}" for mode, lv in (("enforce", policy.enforce), ("audit", policy.audit),
                                              ("warn", policy.warn))
             if lv.level != PRIVILEGED and (LABEL_PREFIX + mode in labels or f"{LABEL_PREFIX}{mode}-version" in labels)]
    return f'namespace "{name}" is exempt from Pod Security, and the policy ({", ".join(parts)}) will be ignored'


def _existing_pod_warnings(state: ServerState, namespace: str, enforce: LevelVersion) -> list[str]:
    """Kubernetes' EvaluatePodsInNamespace: one warning per distinct violation, naming a pod and a count."""
    if POD is None:
        return []
    prefix = POD.key_prefix(namespace)
    pods = sorted((o for k, o in state.cache.caches[POD].objects.items() if k.startswith(prefix)),
                  key=lambda p: p["metadata"]["name"])
    conf = psa_config.load(state.config.admission_control_config_file)
    first, repeats, seen_owners = [], [], set()
    for pod in pods:  # one pod per controller first: a big Deployment does not hide the rest
        spec = _dict(pod.get("spec"))
        if spec.get("runtimeClassName") in conf.exempt_runtime_classes:
            continue
        owner = next((r.get("uid") for r in _dict(pod["metadata"]).get("ownerReferences") or []
                      if isinstance(r, dict) and r.get("controller")), None)
        if owner is not None and owner in seen_owners:
            repeats.append(pod)
            continue
        if owner is not None:
            seen_owners.add(owner)
        first.append(pod)
    ordered = first + repeats
    checked = ordered[:MAX_PODS_TO_CHECK]
    counts: dict[str, list[Any]] = {}
    for pod in checked:
        verdict = evaluate(enforce, _dict(pod.get("metadata")), _dict(pod.get("spec")))
        if not verdict.allowed:
            entry = counts.setdefault(verdict.reason(), [pod["metadata"]["name"], 0])
            entry[0] = min(entry[0], pod["metadata"]["name"])
            entry[1] += 1
    out = []
    if len(checked) < len(ordered):
        out.append(f"new PodSecurity enforce level only checked against the first {len(checked)} of "
                   f"{len(ordered)} existing pods")
    if counts:
        out.append(f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level "{enforce}"')
    per_pod = []
    for reason, (pod_name, count) in counts.items():
        others = "" if count == 1 else " (and 1 other pod)" if count == 2 else f" (and {count - 1} other pods)"
        per_pod.append(f"{pod_name}{others}: {reason}")
    return out + sorted(per_pod)
