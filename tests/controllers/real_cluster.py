"""A whole small cluster for end-to-end tests: the in-process API server of the test, the
controller manager and simulated nodes (kube.node's NodeFleet) in the test's event loop,
the real `kube scheduler` as a child process; plus the real `kubectl`, run without
blocking the event loop (the API server lives in it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kube.client.rest import RestClient
from kube.controllers.actions import NODE, POD
from kube.controllers.context import ControllerOptions
from kube.controllers.manager import ControllerManager
from kube.node.fleet import NodeFleet
from kube.node.simulated_fleet import simulated_agents
from tests.apiserver.conftest import eventually

KUBECTL = str(Path(sys.executable).parent / "kubectl")
# short timeouts so node loss plays out in seconds (the simulated nodes renew Leases every 0.5 s)
FAST = ControllerOptions(node_monitor_grace_period=2.0, node_monitor_period=0.3, default_toleration_seconds=1,
                         pod_gc_period=1.0, namespace_sync_period=0.2)


@contextlib.asynccontextmanager
async def controllers(client: RestClient, options: ControllerOptions = FAST) -> AsyncIterator[ControllerManager]:
    """Every controller, in the test's event loop, caches synced."""
    manager = ControllerManager(client, ["*"], options)
    task = asyncio.get_running_loop().create_task(manager.run())
    await asyncio.wait_for(manager.synced.wait(), 20)
    try:
        yield manager
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def rollout_complete(d: dict[str, Any]) -> bool:
    """`kubectl rollout status`'s test."""
    s = d.get("status") or {}
    replicas = d["spec"]["replicas"]
    return (d["metadata"]["generation"] <= s.get("observedGeneration", 0) and s.get("updatedReplicas", 0) >= replicas
            and s.get("replicas", 0) <= s.get("updatedReplicas", 0)
            and s.get("availableReplicas", 0) >= s.get("updatedReplicas", 0))


async def running_pods(client: RestClient, selector: str = "app=web", namespace: str = "default") -> list[dict]:
    pods = (await client.list(POD, namespace, label_selector=selector))["items"]
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")
            and (p.get("status") or {}).get("phase") == "Running"]


@dataclass
class Kubectl:
    kubeconfig: Path
    cache_dir: Path

    async def run(self, *args: str, timeout: float = 60.0, stdin: str | None = None) -> tuple[int, str, str]:
        """(exit code, stdout, stderr) of one kubectl command, with a fresh discovery cache."""
        proc = await asyncio.create_subprocess_exec(
            KUBECTL, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache_dir), *args,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin is not None else None),
                                              timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise AssertionError(f"kubectl {' '.join(args)} did not finish in {timeout}s") from None
        return proc.returncode or 0, out.decode(), err.decode()

    async def ok(self, *args: str, timeout: float = 60.0, stdin: str | None = None) -> str:
        """stdout of a kubectl command that must succeed."""
        code, out, err = await self.run(*args, timeout=timeout, stdin=stdin)
        assert code == 0, f"kubectl {' '.join(args)} exited {code}: {err}{out}"
        return out


async def _child(log: Path, *argv: str) -> asyncio.subprocess.Process:
    handle = open(log, "ab")  # noqa: SIM115 - the child owns it
    try:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "kube", *argv, stdout=handle,
                                                    stderr=asyncio.subprocess.STDOUT, env={**os.environ})
    finally:
        handle.close()


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@dataclass
class RealCluster:
    manager: ControllerManager
    fleets: dict[str, NodeFleet]  # name prefix -> its simulated nodes

    async def kill_nodes(self, prefix: str) -> None:
        """One fleet's nodes stop heartbeating and stop acting on their pods."""
        await self.fleets.pop(prefix).stop()


@contextlib.asynccontextmanager
async def real_cluster(client: RestClient, kubeconfig: Path, workdir: Path, nodes: dict[str, int] | None = None,
                       options: ControllerOptions = FAST) -> AsyncIterator[RealCluster]:
    """Controller manager + `kube scheduler` (a child process) + simulated nodes (the node
    agent's NodeFleet, one per name prefix, default node-0..2, renewing Leases every 0.5 s so
    the short grace periods of FAST hold), all nodes Ready with a podCIDR."""
    groups = nodes or {"node": 3}
    scheduler = await _child(workdir / "scheduler.log", "scheduler", "--kubeconfig", str(kubeconfig),
                             "--no-leader-elect", "--secure-port", "0")
    fleets: dict[str, NodeFleet] = {}
    try:
        async with controllers(client, options) as manager:
            for prefix, count in groups.items():
                fleet = NodeFleet(client, simulated_agents(client, count, name_prefix=prefix), lease_interval=0.5)
                await asyncio.wait_for(fleet.start(), 60)
                fleets[prefix] = fleet

            async def nodes_ready() -> bool:
                assert scheduler.returncode is None, (workdir / "scheduler.log").read_text()
                items = (await client.list(NODE))["items"]
                return len(items) == sum(groups.values()) and all(
                    any(c.get("type") == "Ready" and c.get("status") == "True"
                        for c in (n.get("status") or {}).get("conditions") or []) and n["spec"].get("podCIDR")
                    for n in items)

            await eventually(nodes_ready, timeout=60, interval=0.2)
            try:
                yield RealCluster(manager, fleets)
            finally:
                await asyncio.gather(*(f.stop() for f in fleets.values()), return_exceptions=True)
    finally:
        await _stop(scheduler)
