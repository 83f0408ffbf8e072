"""/version as strict clients read it, and /healthz /livez /readyz (handlers/health.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kubernetes import client, config

from kube.apiserver.handlers.health import health_text
from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, Api, write_kubeconfig

VERSION_FIELDS = {"major", "minor", "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion",
                  "compiler", "platform"}


async def test_version_and_version_slash_carry_every_field(api: Api) -> None:
    for path in ("/version", "/version/"):
        status, body = await api.get(path)
        assert status == 200 and VERSION_FIELDS <= set(body) and all(body[f] for f in VERSION_FIELDS), path


async def test_python_client_reads_the_version(server: APIServer, pki_dir: Path, tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "kubeconfig", server.url, str(pki_dir / "ca.crt"), ADMIN_TOKEN)
    k8s = config.new_client_from_config(config_file=str(path))
    info = await asyncio.to_thread(client.VersionApi(k8s).get_code)  # the server runs on this loop
    assert info.major == "1" and info.git_version.startswith("v1.") and info.platform


async def test_readyz_verbose_lists_its_checks(api: Api) -> None:
    status, text = await api.get("/readyz?verbose")
    assert status == 200 and "[+]etcd ok" in text and "[+]informer-sync ok" in text and text.endswith("check passed\n")


def test_a_failed_check_is_a_500_naming_it() -> None:
    code, text = health_text({"ping": True, "etcd": False}, verbose=False)
    assert code == 500 and "etcd" in text
    code, text = health_text({"ping": True}, verbose=False)
    assert code == 200 and text == "ok"
