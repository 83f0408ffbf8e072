"""`kube proxy` as a process: flags, /healthz and /metrics, and an exact --cleanup."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from kube.bench import netns
from kube.proxy import iptables_executor
from kube.proxy.service_targets import Backend, ServiceTarget
from tests.apiserver.conftest import eventually, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.conftest import free_port
from tests.proxy.iptables_requirements import require_iptables

KUBE = [sys.executable, "-m", "kube", "proxy"]


def test_version_and_bad_flags_give_one_line() -> None:
    out = subprocess.run([*KUBE, "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("kube proxy ")
    bad_mode = subprocess.run([*KUBE, "--mode", "ipvs"], capture_output=True, text=True, timeout=60)
    assert bad_mode.returncode != 0 and bad_mode.stderr.count("\n") == 1 and "--mode" in bad_mode.stderr
    bad_cidr = subprocess.run([*KUBE, "--mode", "userspace", "--cluster-cidr", "ten"], capture_output=True,
                              text=True, timeout=60)
    assert bad_cidr.returncode != 0 and "--cluster-cidr" in bad_cidr.stderr and "Traceback" not in bad_cidr.stderr


async def test_userspace_process_serves_healthz_and_metrics(kubeconfig: Path) -> None:  # noqa: F811
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        *KUBE, "--mode", "userspace", "--kubeconfig", str(kubeconfig), "--port", str(port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as session:
            async def ok(path: str) -> str | None:
                try:
                    async with session.get(f"http://127.0.0.1:{port}{path}") as r:
                        return await r.text() if r.status == 200 else None
                except aiohttp.ClientError:
                    return None

            assert await eventually(lambda: ok("/healthz"), timeout=30, interval=0.2) == "ok"  # alive
            assert await eventually(lambda: ok("/readyz"), timeout=30, interval=0.2) == "ok"  # and synced
            async with session.get(f"http://127.0.0.1:{port}/metrics") as r:
                text = await r.text()
            synced = [s.value for f in text_string_to_metric_families(text) for s in f.samples
                      if s.name == "kubeproxy_sync_proxy_rules_total"]
            assert synced and synced[0] >= 1
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 30) == 0


def policies(saved: str) -> list[str]:
    """The built-in chains' policy lines of an iptables-save, without counters."""
    return [line.split("[")[0].strip() for line in saved.splitlines()
            if line.startswith((":INPUT", ":FORWARD", ":OUTPUT", ":PREROUTING", ":POSTROUTING"))]


def test_cleanup_removes_every_chain_and_jump_we_made() -> None:
    """In a namespace of its own: the host's tables are never touched."""
    require_iptables()
    ns = f"kpx-cleanup-{os.getpid()}"
    netns.create(ns)

    def saved() -> str:
        return netns.run_in(ns, lambda: subprocess.run(["iptables-save"], capture_output=True, text=True,
                                                       check=True).stdout)
    try:
        for table, chain, policy in (("filter", "FORWARD", "DROP"), ("nat", "POSTROUTING", "ACCEPT")):
            netns.run_in(ns, lambda t=table, c=chain, p=policy: subprocess.run(  # a policy as Docker sets it
                ["iptables", "-t", t, "-P", c, p], capture_output=True, check=True))
        before = saved()
        target = ServiceTarget("default", "cleanup-test", "", "TCP", "10.96.0.77", 80, 30777,
                               (Backend("10.244.77.2", 80),))
        netns.run_in(ns, lambda: iptables_executor.apply([target], cluster_cidr="10.244.0.0/16"))
        assert "KUBE-SVC-" in saved()
        out = subprocess.run(["ip", "netns", "exec", ns, *KUBE, "--cleanup"], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        after = saved()
        assert "KUBE-" not in after
        assert policies(after) == policies(before)  # built-in chains keep their policies
    finally:
        netns.delete(ns)


def test_local_nodes_are_this_node_and_every_local_nodes_name() -> None:
    import argparse

    from kube.proxy.command import local_nodes

    args = argparse.Namespace(hostname_override="minion-a", local_nodes="minion-b, minion-c,")
    assert local_nodes(args) == {"minion-a", "minion-b", "minion-c"}
    assert local_nodes(argparse.Namespace(hostname_override="n1", local_nodes="")) == {"n1"}
