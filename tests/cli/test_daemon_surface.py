"""Every daemon serves /healthz and /metrics, honours --api-servers over its kubeconfig (failing
over along the list), and logs one line per event with a level in the one shared format
(kube/component/logs.py)."""

from __future__ import annotations

import asyncio
import re
import ssl
import sys
from pathlib import Path

import aiohttp

from kube.apiserver.server import APIServer
from kube.client.rest import RestClient
from tests.apiserver.conftest import ADMIN_TOKEN, ServerProcess, ca_file, eventually, write_kubeconfig
from tests.conftest import free_port

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.\-]+: \S")
DEAD_SERVER = "https://127.0.0.1:1"  # nothing listens there: only --api-servers can make a component work


def assert_log_lines(text: str) -> None:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "the daemon logged nothing"
    bad = [line for line in lines if not LOG_LINE.match(line)]
    assert not bad, bad[:3]


async def get_ok(url: str, headers: dict[str, str] | None = None, ssl_ctx: ssl.SSLContext | None = None) -> str:
    """The body of a 200 answer, or "" while the daemon is not serving yet."""
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(url, headers=headers, ssl=ssl_ctx if ssl_ctx is not None else False,
                                timeout=aiohttp.ClientTimeout(total=5)) as resp:
                return await resp.text() if resp.status == 200 else ""
    except (TimeoutError, aiohttp.ClientError):
        return ""


async def test_components_serve_health_and_metrics_through_api_servers(
        server: APIServer, pki_dir: Path, tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", DEAD_SERVER, ca_file(pki_dir), ADMIN_TOKEN)
    ports = {name: free_port() for name in ("scheduler", "controller-manager", "node")}
    argv = {
        "scheduler": ["scheduler", "--port", str(ports["scheduler"])],
        "controller-manager": ["controller-manager", "--port", str(ports["controller-manager"]),
                               "--leader-elect=false"],
        "node": ["node", "--simulated", "--count", "2", "--zones", "a,b", "--name-prefix", "surface",
                 "--port", str(ports["node"])],
    }
    # the node gets a dead server first: components fail over along their --api-servers list
    servers = {"scheduler": server.url, "controller-manager": server.url, "node": f"{DEAD_SERVER},{server.url}"}
    procs = {name: await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kube", *args, "--kubeconfig", str(kubeconfig), "--api-servers", servers[name],
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE) for name, args in argv.items()}
    metric_names = {"scheduler": "scheduler_schedule_attempts_total", "controller-manager": "controller_syncs_total",
                    "node": "kube_node_agent_nodes 2"}
    try:
        for name, port in ports.items():
            assert await eventually(lambda p=port: get_ok(f"http://127.0.0.1:{p}/healthz"), 60, 0.2)
            metrics = await eventually(lambda p=port: get_ok(f"http://127.0.0.1:{p}/metrics"), 30, 0.2)
            assert metric_names[name] in metrics

        async with RestClient.from_kubeconfig(str(kubeconfig), api_servers=[server.url]) as client:
            from kube.api.registry import resolve

            async def nodes_ready() -> bool:
                listing = await client.list(resolve("nodes"))
                names = {n["metadata"]["name"] for n in listing["items"]}
                return {"surface-0", "surface-1"} <= names
            await eventually(nodes_ready, 60, 0.2)
    finally:
        for proc in procs.values():
            if proc.returncode is None:
                proc.terminate()
        logs = {name: (await asyncio.wait_for(proc.communicate(), 30))[1].decode() for name, proc in procs.items()}
    for name, text in logs.items():
        assert "Traceback" not in text, (name, text)
        assert_log_lines(text)
        if name != "node":
            assert not re.search(r"127\.0\.0\.1:1(?!\d)", text), (name, "used the kubeconfig's server")


async def test_apiserver_process_serves_health_and_metrics_and_logs_one_line_per_event(
        pki_dir: Path, tmp_path: Path) -> None:
    proc = ServerProcess(pki_dir, tmp_path)
    await asyncio.to_thread(proc.start)
    try:
        ctx = ssl.create_default_context(cafile=ca_file(pki_dir))
        assert await get_ok(f"{proc.url}/healthz", ssl_ctx=ctx) == "ok"  # anonymous, as Kubernetes allows
        metrics = await get_ok(f"{proc.url}/metrics", {"Authorization": f"Bearer {ADMIN_TOKEN}"}, ctx)
        assert "apiserver_current_inflight_requests" in metrics
        assert await get_ok(f"{proc.url}/metrics", ssl_ctx=ctx) == ""  # not without credentials
    finally:
        await asyncio.to_thread(proc.stop)
    assert_log_lines((tmp_path / "apiserver.log").read_text())
