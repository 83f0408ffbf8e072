"""The Pod Security Standards as Kubernetes words them: each check's message, the order
of a joined verdict, policy versions, namespace labels and the admission file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kube.apiserver.admission.pod_security.config import AdmissionConfigError, load
from kube.apiserver.admission.pod_security.evaluator import evaluate
from kube.apiserver.admission.pod_security.policy import (
    LATEST,
    PRIVILEGED_POLICY,
    LevelVersion,
    Version,
    policy_from_labels,
)

RESTRICTED, BASELINE = LevelVersion("restricted", LATEST), LevelVersion("baseline", LATEST)
GOOD_SC = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
           "seccompProfile": {"type": "RuntimeDefault"}}


def pod(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"containers": list(containers) or [{"name": "c", "image": "x"}], **spec}


def c(name: str = "c", **sc: Any) -> dict[str, Any]:
    return {"name": name, "image": "x", "securityContext": sc}


def detail(lv: LevelVersion, spec: dict[str, Any], meta: dict[str, Any] | None = None) -> str:
    return evaluate(lv, meta or {}, spec).detail()


def test_a_restricted_pod_passes_and_a_bare_one_lists_every_reason_in_order() -> None:
    assert evaluate(RESTRICTED, {}, pod(c(**GOOD_SC))).allowed
    assert detail(RESTRICTED, pod(c(privileged=True))) == (
        'privileged (container "c" must not set securityContext.privileged=true), '
        'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or '
        '"Localhost")')
    assert evaluate(BASELINE, {}, pod(c())).allowed


@pytest.mark.parametrize(("spec", "meta", "expected"), [
    (pod(hostNetwork=True, hostPID=True), {}, "host namespaces (hostNetwork=true, hostPID=true)"),
    (pod(volumes=[{"name": "h", "hostPath": {"path": "/"}}, {"name": "e", "emptyDir": {}}]), {},
     'hostPath volumes (volume "h")'),
    (pod({"name": "a", "image": "x", "ports": [{"containerPort": 80, "hostPort": 8080}]},
         {"name": "b", "image": "x", "ports": [{"containerPort": 81, "hostPort": 9090}]}), {},
     'hostPort (containers "a", "b" use hostPorts 8080, 9090)'),
    (pod(c(capabilities={"add": ["NET_RAW", "SYS_ADMIN", "CHOWN"]})), {},
     'non-default capabilities (container "c" must not include "NET_RAW", "SYS_ADMIN" in '
     "securityContext.capabilities.add)"),
    (pod(c(procMount="Unmasked")), {}, 'procMount (container "c" must not set securityContext.procMount to '
     '"Unmasked")'),
    (pod(c(seccompProfile={"type": "Unconfined"})), {},
     'seccompProfile (container "c" must not set securityContext.seccompProfile.type to "Unconfined")'),
    (pod(securityContext={"sysctls": [{"name": "kernel.msgmax", "value": "1"},
                                      {"name": "net.ipv4.tcp_syncookies", "value": "1"}]}), {},
     "forbidden sysctls (kernel.msgmax)"),
    (pod(c(seLinuxOptions={"type": "spc_t", "user": "root"})), {},
     'seLinuxOptions (container "c" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)'),
    (pod(c(appArmorProfile={"type": "Unconfined"})), {},
     'forbidden AppArmor profile (container "c" must not set AppArmor profile type to "Unconfined")'),
    (pod(c(windowsOptions={"hostProcess": True})), {},
     'hostProcess (container "c" must not set securityContext.windowsOptions.hostProcess=true)'),
    (pod(), {"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}},
     'forbidden AppArmor profile (annotation must not set AppArmor profile type to '
     '"container.apparmor.security.beta.kubernetes.io/c="unconfined"")'),
    (pod({"name": "c", "image": "x", "livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}}}), {},
     'probe or lifecycle host (container "c" uses probe or lifecycle host "10.0.0.1")'),
])
def test_baseline_messages(spec: dict[str, Any], meta: dict[str, Any], expected: str) -> None:
    assert detail(BASELINE, spec, meta) == expected


def test_restricted_only_checks() -> None:
    good = dict(GOOD_SC)
    assert detail(RESTRICTED, pod(c(**{**good, "runAsUser": 0}), securityContext={"runAsUser": 0})) == \
        'runAsUser=0 (pod and container "c" must not set runAsUser=0)'
    assert detail(RESTRICTED, pod(c(**{**good, "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE",
                                                                                          "NET_RAW"]}}))) == \
        'unrestricted capabilities (container "c" must not include "NET_RAW" in securityContext.capabilities.add)'
    assert detail(RESTRICTED, pod(c(**good), volumes=[{"name": "n", "nfs": {"server": "s", "path": "/"}},
                                                      {"name": "h", "hostPath": {"path": "/"}}])) == \
        'restricted volume types (volumes "n", "h" use restricted volume types "hostPath", "nfs")'
    pod_level = {"runAsNonRoot": True, "seccompProfile": {"type": "Localhost", "localhostProfile": "p"}}
    assert evaluate(RESTRICTED, {}, pod(c(allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]}),
                                        securityContext=pod_level)).allowed
    assert evaluate(RESTRICTED, {}, pod(c(), os={"name": "windows"}, securityContext={"runAsNonRoot": True})).allowed
    # hostUsers: false relaxes runAsNonRoot and runAsUser from v1.35, not before
    userns = pod(c(allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]},
                   seccompProfile={"type": "RuntimeDefault"}, runAsUser=0), hostUsers=False)
    assert evaluate(RESTRICTED, {}, userns).allowed
    assert not evaluate(LevelVersion("restricted", Version(34)), {}, userns).allowed


def test_versions_pin_the_checks_of_their_release() -> None:
    bare = pod(c())
    assert "unrestricted capabilities" not in detail(LevelVersion("restricted", Version(21)), bare)
    assert "seccompProfile" not in detail(LevelVersion("restricted", Version(18)), bare)
    tcp = pod(securityContext={"sysctls": [{"name": "net.ipv4.tcp_rmem", "value": "1"}]})
    assert not evaluate(LevelVersion("baseline", Version(31)), {}, tcp).allowed
    assert evaluate(LevelVersion("baseline", Version(32)), {}, tcp).allowed
    assert evaluate(LevelVersion("baseline", Version(99)), {}, tcp).allowed  # past the newest: the newest


def test_labels_to_policy() -> None:
    p, errs = policy_from_labels({"pod-security.kubernetes.io/enforce": "baseline",
                                  "pod-security.kubernetes.io/enforce-version": "v1.30"}, PRIVILEGED_POLICY)
    assert not errs and str(p.enforce) == "baseline:v1.30" and str(p.warn) == "baseline:v1.30"  # warn follows
    assert str(p.audit) == "privileged:latest"
    p, errs = policy_from_labels({"pod-security.kubernetes.io/enforce": "strict",
                                  "pod-security.kubernetes.io/warn": "loud",
                                  "pod-security.kubernetes.io/audit-version": "1.25"}, PRIVILEGED_POLICY)
    assert [e.message() for e in errs] == [
        'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, '
        "baseline, restricted",
        'metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "1.25": must be "latest" or "v1.x"',
        'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "loud": must be one of privileged, '
        "baseline, restricted"]
    assert p.enforce.level == "restricted" and p.warn.level == "privileged"  # closed for enforce, open for warn


def admission_file(tmp_path: Path, body: str) -> str:
    path = tmp_path / f"admission-{len(list(tmp_path.iterdir()))}.yaml"  # load() reads each path once
    path.write_text(body)
    return str(path)


def test_admission_file_defaults_and_exemptions(tmp_path: Path) -> None:
    (tmp_path / "psa.yaml").write_text("apiVersion: pod-security.admission.config.k8s.io/v1\n"
                                       "kind: PodSecurityConfiguration\ndefaults: {enforce: baseline, warn: "
                                       "restricted, warn-version: v1.30}\nexemptions: {namespaces: [kube-system], "
                                       "usernames: [ops]}\n")
    conf = load(admission_file(tmp_path, "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n"
                                         "plugins:\n- name: PodSecurity\n  path: psa.yaml\n"))
    assert str(conf.defaults.enforce) == "baseline:latest" and str(conf.defaults.warn) == "restricted:v1.30"
    assert conf.exempt_namespaces == {"kube-system"} and conf.exempt_usernames == {"ops"}
    with pytest.raises(AdmissionConfigError, match='defaults.enforce: Invalid value: "strict:latest"'):
        load(admission_file(tmp_path, "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n"
                                      "plugins:\n- name: PodSecurity\n  configuration:\n"
                                      "    apiVersion: pod-security.admission.config.k8s.io/v1\n"
                                      "    kind: PodSecurityConfiguration\n    defaults: {enforce: strict}\n"))
