"""`kube controller-manager` as a process: flags, leader election Lease, /healthz, /metrics."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.component.duration import duration_flag
from kube.controllers.actions import LEASE, REPLICASET
from kube.controllers.manager import select_controllers
from tests.apiserver.conftest import eventually
from tests.conftest import free_port
from tests.controllers.workloads import replica_set


def test_durations_and_controller_lists() -> None:
    assert duration_flag("40s") == 40 and duration_flag("5m") == 300 and duration_flag("500ms") == 0.5
    assert duration_flag("2") == 2 and duration_flag("1h30m") == 5400
    assert "nodeipam" not in select_controllers(["*", "-nodeipam"])
    assert select_controllers(["replicaset"]) == ["replicaset"]


def test_bad_flags_give_one_clear_line() -> None:
    for argv in (["--controllers", "nope"], ["--cluster-cidr", "x"], ["--node-cidr-mask-size", "8"]):
        proc = subprocess.run([sys.executable, "-m", "kube", "controller-manager", *argv], capture_output=True,
                              text=True, timeout=30)
        assert proc.returncode != 0
        assert proc.stderr.strip().startswith("error:") and len(proc.stderr.strip().splitlines()) == 1


async def test_process_elects_itself_and_runs_controllers(client: RestClient, kubeconfig: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kube", "controller-manager", "--kubeconfig", str(kubeconfig), "--port", str(port),
        "--leader-elect-lease-duration", "4s", "--leader-elect-renew-deadline", "3s",
        "--leader-elect-retry-period", "1s", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        async def leader() -> bool:
            try:
                lease = await client.get(LEASE, "kube-controller-manager", "kube-system")
            except ApiError:
                return False
            return bool(lease["spec"].get("holderIdentity"))

        await eventually(leader, timeout=30, interval=0.2)
        await client.create(REPLICASET, replica_set("web", 2))

        async def status_seen() -> bool:
            rs = await client.get(REPLICASET, "web", "default")
            return (rs.get("status") or {}).get("replicas") == 2

        await eventually(status_seen, timeout=30, interval=0.2)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 200 and await resp.text() == "ok"
            async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                text = await resp.text()
        assert 'controller_syncs_total{controller="replicaset"}' in text
        families = {f.name: f for f in text_string_to_metric_families(text)}  # as Prometheus parses it
        assert families["workqueue_depth"].type == "gauge"
        assert families["controller_api_actions"].type == "counter"
        assert 'controller_api_actions_total{action="CreatePod"} 2' in text
    finally:
        proc.terminate()
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    log = err.decode()
    assert " INFO " in log and "created pod web-" in log
