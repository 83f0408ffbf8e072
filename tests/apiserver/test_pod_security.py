"""Pod Security admission through the real server: `enforce` refuses with Kubernetes' message,
`warn` sends `Warning` headers that kubectl prints, workloads are warned about, namespace
labels are validated and relabels report existing pods, and the cluster default and the
exemptions come from --admission-control-config-file; with kubectl and the Python client."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import (
    ADMIN_TOKEN,
    Api,
    ca_file,
    client_session,
    deployment,
    pod,
    server_config,
    write_kubeconfig,
)

KUBECTL = str(Path(sys.executable).parent / "kubectl")
PSA = "pod-security.kubernetes.io/"
PRIVILEGED = {"securityContext": {"privileged": True}}
RESTRICTED_OK = {"securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                     "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}}


def with_container(obj: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    obj["spec"]["containers"][0].update(extra)
    return obj


async def post(api: Api, path: str, body: Any) -> tuple[int, Any, list[str]]:
    async with api.session.post(path, json=body) as resp:
        return resp.status, await resp.json(), resp.headers.getall("Warning", [])


async def namespace(api: Api, name: str, **labels: str) -> None:
    status, body = await api.post("/api/v1/namespaces", {"metadata": {
        "name": name, "labels": {PSA + k.replace("_", "-"): v for k, v in labels.items()}}})
    assert status == 201, body


@pytest.fixture
async def psa_api(pki_dir: Path, tmp_path: Path) -> AsyncIterator[Api]:
    admission = tmp_path / "admission.yaml"
    admission.write_text(json.dumps({
        "apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",
        "plugins": [{"name": "PodSecurity", "configuration": {
            "apiVersion": "pod-security.admission.config.k8s.io/v1", "kind": "PodSecurityConfiguration",
            "defaults": {"enforce": "privileged", "warn": "baseline"},
            "exemptions": {"namespaces": ["exempt"], "runtimeClasses": ["kata"]}}}]}))
    srv = APIServer(server_config(pki_dir, tmp_path, admission_control_config_file=str(admission)))
    await srv.start()
    try:
        async with client_session(srv.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
            yield Api(session, srv)
    finally:
        await srv.stop()


async def test_enforce_refuses_with_the_reasons_and_admits_a_compliant_pod(psa_api: Api) -> None:
    await namespace(psa_api, "locked", enforce="restricted")
    status, body, _ = await post(psa_api, "/api/v1/namespaces/locked/pods", with_container(pod("x"), PRIVILEGED))
    assert status == 403 and body["reason"] == "Forbidden" and body["details"] == {"name": "x", "kind": "pods"}
    assert body["message"].startswith('pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged '
                                      '(container "c" must not set securityContext.privileged=true), '
                                      "allowPrivilegeEscalation != false")
    status, _, warnings = await post(psa_api, "/api/v1/namespaces/locked/pods?dryRun=All",
                                     with_container(pod("y"), PRIVILEGED))
    assert status == 403  # dry runs are judged too
    status, _, warnings = await post(psa_api, "/api/v1/namespaces/locked/pods", with_container(pod("ok"),
                                                                                             RESTRICTED_OK))
    assert status == 201 and warnings == []
    status, _ = await psa_api.patch("/api/v1/namespaces/locked/pods/ok", {"metadata": {"labels": {"a": "b"}}})
    assert status == 200  # an update that changes no image is not judged again


async def test_warn_header_workloads_and_the_cluster_default(psa_api: Api) -> None:
    await namespace(psa_api, "warned", warn="restricted", warn_version="v1.30")
    status, _, warnings = await post(psa_api, "/api/v1/namespaces/warned/pods", with_container(pod("p"), PRIVILEGED))
    assert status == 201
    assert len(warnings) == 1 and warnings[0].startswith(
        '299 - "would violate PodSecurity \\"restricted:v1.30\\": privileged (container \\"c\\" must not set '
        'securityContext.privileged=true)')
    status, _, warnings = await post(psa_api, "/apis/apps/v1/namespaces/warned/deployments",
                                     deployment("d") | {"spec": deployment("d")["spec"]})
    assert status == 201 and 'restricted:v1.30' in warnings[0] and "runAsNonRoot != true" in warnings[0]
    for change, warned in (({"spec": {"replicas": 3}}, False),
                           ({"spec": {"template": {"spec": {"hostNetwork": True}}}}, True)):
        async with psa_api.session.patch("/apis/apps/v1/namespaces/warned/deployments/d", json=change,
                                         headers={"Content-Type": "application/merge-patch+json"}) as resp:
            assert resp.status == 200
            assert bool(resp.headers.getall("Warning", [])) == warned, change  # judged when the template changes
    # no labels: the file's default, warn=baseline
    status, _, warnings = await post(psa_api, "/api/v1/namespaces/default/pods",
                                     with_container(pod("host", hostNetwork=True), {}))
    assert status == 201 and warnings == ['299 - "would violate PodSecurity \\"baseline:latest\\": host namespaces '
                                          '(hostNetwork=true)"']
    status, _, warnings = await post(psa_api, "/api/v1/namespaces", {"metadata": {
        "name": "exempt", "labels": {PSA + "enforce": "restricted"}}})
    assert status == 201 and warnings == ['299 - "namespace \\"exempt\\" is exempt from Pod Security, and the policy '
                                          '(enforce=restricted:latest) will be ignored"']
    status, _, warnings = await post(psa_api, "/api/v1/namespaces/exempt/pods", with_container(pod("e"), PRIVILEGED))
    assert status == 201 and warnings == []
    await namespace(psa_api, "kata-ns", enforce="restricted")
    status, body, _ = await post(psa_api, "/api/v1/namespaces/kata-ns/pods",
                                 with_container(pod("vm", runtimeClassName="kata"), PRIVILEGED))
    assert status == 201, body  # an exempt runtime class


async def test_namespace_labels_are_validated_and_relabels_report_pods(psa_api: Api) -> None:
    status, body = await psa_api.post("/api/v1/namespaces", {"metadata": {"name": "bad", "labels": {
        PSA + "enforce": "strict"}}})
    assert status == 422 and body["reason"] == "Invalid"
    assert body["message"] == ('Namespace "bad" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: '
                               'Invalid value: "strict": must be one of privileged, baseline, restricted')
    await namespace(psa_api, "team")
    for name in ("a", "b", "c"):
        assert (await post(psa_api, "/api/v1/namespaces/team/pods", with_container(pod(name), PRIVILEGED)))[0] == 201
    assert (await post(psa_api, "/api/v1/namespaces/team/pods", with_container(pod("z", hostPID=True), {})))[0] == 201
    async with psa_api.session.patch("/api/v1/namespaces/team", json={"metadata": {"labels": {
            PSA + "enforce": "baseline"}}}, headers={"Content-Type": "application/merge-patch+json"}) as resp:
        assert resp.status == 200
        warnings = resp.headers.getall("Warning", [])
    assert warnings == [
        '299 - "existing pods in namespace \\"team\\" violate the new PodSecurity enforce level \\"baseline:latest\\""',
        '299 - "a (and 2 other pods): privileged"', '299 - "z: host namespaces"']
    status, body = await psa_api.patch("/api/v1/namespaces/team", {"metadata": {"labels": {PSA + "warn": "x"}}})
    assert status == 422


def kubectl(kubeconfig: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(kubeconfig.parent / "kc"),
                           *args], capture_output=True, text=True, timeout=60, input=stdin)


async def test_kubectl_prints_the_warning_and_the_refusal(psa_api: Api, pki_dir: Path, tmp_path: Path) -> None:
    kcfg = write_kubeconfig(tmp_path / "kubeconfig", psa_api.server.url, ca_file(pki_dir), ADMIN_TOKEN)
    await namespace(psa_api, "k1", warn="baseline", enforce="restricted")
    manifest = json.dumps(with_container(pod("kp"), PRIVILEGED) | {"metadata": {"name": "kp", "namespace": "k1"}})
    done = await asyncio.to_thread(kubectl, kcfg, "apply", "-f", "-", stdin=manifest)
    assert done.returncode != 0
    assert 'pods "kp" is forbidden: violates PodSecurity "restricted:latest": privileged' in done.stderr
    await namespace(psa_api, "k2", warn="restricted")
    done = await asyncio.to_thread(kubectl, kcfg, "run", "web", "-n", "k2", "--image", "kube.local/busybox:1")
    assert done.returncode == 0, done.stderr
    assert 'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false' in done.stderr
    done = await asyncio.to_thread(kubectl, kcfg, "label", "ns", "k2", f"{PSA}enforce=restricted")
    assert done.returncode == 0, done.stderr
    assert 'Warning: existing pods in namespace "k2" violate the new PodSecurity enforce level' in done.stderr
    done = await asyncio.to_thread(kubectl, kcfg, "label", "ns", "k2", "--overwrite", f"{PSA}enforce=nope")
    assert done.returncode != 0 and 'Invalid value: "nope": must be one of privileged, baseline, restricted' in \
        done.stderr


async def test_python_client_gets_the_forbidden_status(psa_api: Api, pki_dir: Path, tmp_path: Path) -> None:
    await namespace(psa_api, "py", enforce="baseline")
    kcfg = write_kubeconfig(tmp_path / "kubeconfig", psa_api.server.url, ca_file(pki_dir), ADMIN_TOKEN)

    def create() -> tuple[int, dict[str, Any]]:
        api = client.CoreV1Api(config.new_client_from_config(config_file=str(kcfg)))
        try:
            api.create_namespaced_pod("py", with_container(pod("hp"), {}) | {"spec": {
                "hostIPC": True, "containers": [{"name": "c", "image": "kube.local/busybox:1"}]}})
        except client.ApiException as exc:
            return exc.status, json.loads(exc.body)
        return 201, {}

    status, body = await asyncio.to_thread(create)
    assert status == 403 and body["message"] == ('pods "hp" is forbidden: violates PodSecurity "baseline:latest": '
                                                 "host namespaces (hostIPC=true)")


async def test_an_exempt_user_is_not_judged(pki_dir: Path, tmp_path: Path) -> None:
    admission = tmp_path / "admission.yaml"
    admission.write_text(json.dumps({
        "apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",
        "plugins": [{"name": "PodSecurity", "configuration": {
            "apiVersion": "pod-security.admission.config.k8s.io/v1", "kind": "PodSecurityConfiguration",
            "defaults": {"enforce": "restricted"}, "exemptions": {"usernames": ["kube-admin"]}}}]}))
    srv = APIServer(server_config(pki_dir, tmp_path, admission_control_config_file=str(admission)))
    await srv.start()
    try:
        async with client_session(srv.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
            status, body, _ = await post(Api(session, srv), "/api/v1/namespaces/default/pods",
                                         with_container(pod("root"), PRIVILEGED))
            assert status == 201, body  # kube-admin is exempt, though the default enforces restricted
    finally:
        await srv.stop()
