"""A restarting proxy keeps the kernel's rules until its informers have synced, then
replaces them in one commit (issue 16: no dropped request while a proxy restarts).

In namespaces of their own (netns_topology.py), with the API server and `kube proxy` as
processes inside the node's namespace: the proxy programs a Service; it is killed with
SIGKILL, the Service's endpoint moves while no proxy runs, the API server goes down and a
new proxy starts: the old rules keep serving real traffic (nothing flushed at start); when
the API server returns, the rules follow the new endpoint.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kube.api.registry import resolve
from kube.apiserver.auth.kubeconfig import write_kubeconfig
from kube.bench import netns
from kube.bench.api_server_process import ApiServerProcess
from kube.client.rest import RestClient
from tests.proxy.netns_topology import POD_IPS, POD_PORT, Topology, tcp_ask, topology  # noqa: F401 - fixture

SERVICE, SLICE = resolve("services"), resolve("endpointslices")


def slice_for(ip: str, current: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": (current or {}).get("metadata") or {"name": "web-1",
                                                           "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4", "endpoints": [{"addresses": [ip], "conditions": {"ready": True}}],
            "ports": [{"name": "", "port": POD_PORT, "protocol": "TCP"}]}


def wait_for(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_restart_keeps_rules_until_synced_then_replaces_them(topology: Topology, tmp_path: Path) -> None:  # noqa: F811
    node = topology.node
    api = ApiServerProcess(tmp_path, ["--store", f"sqlite:{tmp_path / 'state.db'}"])
    kubeconfig = tmp_path / "kubeconfig"
    proxies: list[subprocess.Popen[bytes]] = []
    inside = netns.worker(node)  # the API server dies with the thread that started it

    def api_call(fn) -> Any:
        async def call() -> Any:
            async with RestClient.from_kubeconfig(str(kubeconfig)) as client:
                return await fn(client)
        return netns.run_in(node, lambda: asyncio.run(call()))

    def start_proxy() -> subprocess.Popen[bytes]:
        with (tmp_path / "proxy.log").open("ab") as log:
            proc = netns.run_in(node, lambda: subprocess.Popen(
                [sys.executable, "-m", "kube", "proxy", "--mode", "iptables", "--kubeconfig", str(kubeconfig),
                 "--hostname-override", "node-a", "--bind-address", "127.0.0.1", "--port", "10256"],
                stdout=log, stderr=subprocess.STDOUT))
        proxies.append(proc)
        return proc

    def nat() -> str:
        return netns.run_in(node, lambda: subprocess.run(["iptables-save", "-t", "nat"], capture_output=True,
                                                         text=True, check=True).stdout)

    try:
        inside.submit(api.start).result()
        pki = api.pki
        write_kubeconfig(str(kubeconfig), api.url, pki.ca_cert, cert_file=pki.admin_cert, key_file=pki.admin_key)
        svc = api_call(lambda c: c.create(SERVICE, {
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": POD_PORT}]}}, "default"))
        cluster_ip = svc["spec"]["clusterIP"]
        api_call(lambda c: c.create(SLICE, slice_for(POD_IPS[0]), "default"))
        first = start_proxy()
        wait_for(lambda: f"--to-destination {POD_IPS[0]}:{POD_PORT}" in nat(), "the first proxy's rules")
        assert tcp_ask(topology.client, cluster_ip, 80).split()[0] == POD_IPS[0]

        first.kill()  # SIGKILL: no chance to clean anything up (it would not anyway)
        first.wait()

        async def move(c: RestClient) -> None:
            await c.update(SLICE, slice_for(POD_IPS[1], await c.get(SLICE, "web-1", "default")), "default")
        api_call(move)
        api.stop()
        second = start_proxy()
        for _ in range(10):  # ~3 s with the API server down: the old rules keep serving
            time.sleep(0.3)
            assert second.poll() is None, (tmp_path / "proxy.log").read_text()[-2000:]
            rules = nat()
            assert f"--to-destination {POD_IPS[0]}:{POD_PORT}" in rules and "-j KUBE-SERVICES" in rules
            assert tcp_ask(topology.client, cluster_ip, 80).split()[0] == POD_IPS[0]

        inside.submit(api.start).result()  # same port, same store
        wait_for(lambda: f"--to-destination {POD_IPS[1]}:{POD_PORT}" in nat(), "the rules to follow the move")
        assert f"--to-destination {POD_IPS[0]}:" not in nat()  # replaced, not added to
        assert tcp_ask(topology.client, cluster_ip, 80).split()[0] == POD_IPS[1]
    finally:
        for proc in proxies:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        api.stop()
        inside.shutdown()
