"""Secrets: `stringData` is merged into `data` on every write and never read back."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
from pathlib import Path

from tests.apiserver.conftest import Api
from tests.apiserver.rbac.conftest import KUBECTL

NS = "/api/v1/namespaces/default/secrets"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def test_string_data_is_merged_into_data_on_create_update_and_patch(api: Api) -> None:
    status, created = await api.post(NS, {"metadata": {"name": "s"}, "data": {"a": _b64("old"), "b": _b64("kept")},
                                          "stringData": {"a": "new", "c": "plain"}})
    assert status == 201
    assert created["data"] == {"a": _b64("new"), "b": _b64("kept"), "c": _b64("plain")}  # stringData wins
    assert "stringData" not in created
    status, read = await api.get(f"{NS}/s")
    assert status == 200 and "stringData" not in read and read["data"] == created["data"]
    status, patched = await api.patch(f"{NS}/s", {"stringData": {"b": "changed"}})
    assert status == 200 and patched["data"]["b"] == _b64("changed") and "stringData" not in patched
    status, replaced = await api.put(f"{NS}/s", {"metadata": {"name": "s"}, "stringData": {"only": "this"}})
    assert status == 200 and replaced["data"] == {"only": _b64("this")}


async def test_string_data_is_judged_merged(api: Api) -> None:
    status, body = await api.post(NS, {"metadata": {"name": "tls"}, "type": "kubernetes.io/tls",
                                       "stringData": {"tls.crt": "c", "tls.key": "k"}})
    assert status == 201 and sorted(body["data"]) == ["tls.crt", "tls.key"]
    status, body = await api.post(NS, {"metadata": {"name": "bad"}, "stringData": {"k": 1}})
    assert status == 422 and body["details"]["causes"][0]["field"] == "stringData[k]"
    status, body = await api.post(NS, {"metadata": {"name": "bad"}, "stringData": {"no/slash": "x"}})
    assert status == 422
    assert (await api.post(NS, {"metadata": {"name": "frozen"}, "immutable": True, "data": {"k": _b64("v")}}))[0] == 201
    status, body = await api.patch(f"{NS}/frozen", {"stringData": {"k": "other"}})
    assert status == 422 and "immutable" in body["message"]


async def test_kubectl_apply_of_string_data_and_the_python_client_read_data(api: Api, kubeconfig: Path,
                                                                            tmp_path: Path) -> None:
    manifest = tmp_path / "secret.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "applied"},
                                    "stringData": {"password": "hunter2"}}))
    argv = [KUBECTL, "--kubeconfig", str(kubeconfig), "apply", "-f", str(manifest)]
    done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    argv = [KUBECTL, "--kubeconfig", str(kubeconfig), "get", "secret", "applied", "-o", "jsonpath={.data.password}"]
    done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and base64.b64decode(done.stdout).decode() == "hunter2"

    from kubernetes import client, config

    core = client.CoreV1Api(config.new_client_from_config(config_file=str(kubeconfig)))
    try:
        secret = await asyncio.to_thread(core.read_namespaced_secret, "applied", "default")
        assert secret.data == {"password": _b64("hunter2")} and secret.string_data is None
    finally:
        core.api_client.close()
