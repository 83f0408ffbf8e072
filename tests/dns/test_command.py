"""`kube dns` as a process against a real API server: records from the API over UDP and TCP,
forwarding, the kube-dns Service and one EndpointSlice per daemon, an API server restart,
and the slice withdrawn on a graceful stop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from dnslib import RCODE, DNSRecord
from prometheus_client.parser import text_string_to_metric_families

from kube.api.registry import resolve
from kube.client.errors import ApiError
from kube.client.rest import RestClient
from tests.apiserver.conftest import (  # noqa: F401 - fixtures
    ADMIN_TOKEN,
    ServerProcess,
    ca_file,
    eventually,
    pki_dir,
    server_process,
    write_kubeconfig,
)
from tests.conftest import free_port
from tests.dns.cluster_objects import service
from tests.dns.upstream import EXTERNAL_IP, upstream

KUBE = [sys.executable, "-m", "kube", "dns"]
SERVICES, SLICES = resolve("services"), resolve("endpointslices.discovery.k8s.io")


def test_version_and_bad_flags_give_one_line() -> None:
    out = subprocess.run([*KUBE, "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("kube dns ")
    for flags, named in ((["--upstream", "resolver.example"], "--upstream"), (["--cluster-ip", "ten"], "--cluster-ip"),
                         (["--dns-port", "70000"], "--dns-port"), (["--cluster-domain", "a..b"], "--cluster-domain"),
                         (["--advertise-address", "x"], "--advertise-address")):
        bad = subprocess.run([*KUBE, *flags], capture_output=True, text=True, timeout=60)
        assert bad.returncode != 0 and bad.stderr.count("\n") == 1 and named in bad.stderr, (flags, bad.stderr)


async def ask(name: str, port: int, qtype: str = "A", *, tcp: bool = False) -> DNSRecord | None:
    try:
        raw = await asyncio.to_thread(DNSRecord.question(name, qtype).send, "127.0.0.1", port, tcp, 2)
    except OSError:
        return None
    return DNSRecord.parse(raw)


def ips(reply: DNSRecord | None) -> list[str]:
    return sorted(str(rr.rdata) for rr in reply.rr) if reply is not None else []


@asynccontextmanager
async def dns_daemon(kubeconfig: Path, hostname: str, upstream_port: int) -> AsyncIterator[tuple[int, int, list]]:
    """(dns port, health port, [process]) of a running `kube dns`; stopped gracefully on exit."""
    dns_port, health_port = (free_port() if hostname != "master-b" else 0), free_port()
    proc = await asyncio.create_subprocess_exec(
        *KUBE, "--kubeconfig", str(kubeconfig), "--bind-address", "127.0.0.1", "--dns-port", str(dns_port),
        "--port", str(health_port), "--upstream", f"127.0.0.1:{upstream_port}", "--advertise-address", "127.0.0.1",
        "--hostname-override", hostname, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    holder = [proc]
    try:
        yield dns_port, health_port, holder
    finally:
        if proc.returncode is None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)


async def slice_of(client: RestClient, hostname: str) -> dict | None:
    try:
        return await client.get(SLICES, f"kube-dns-{hostname}", "kube-system")
    except ApiError as exc:
        assert exc.code == 404
        return None


async def test_dns_daemon_end_to_end(server_process: ServerProcess, pki_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server_process.url, ca_file(pki_dir), ADMIN_TOKEN)
    client = RestClient.from_kubeconfig(str(kubeconfig))
    try:
        await client.create(SERVICES, service("web", cluster_ip="10.96.0.50"), "default")
        with upstream() as (upstream_port, resolver):
            async with dns_daemon(kubeconfig, "master-a.example", upstream_port) as (port, health, procs), \
                    dns_daemon(kubeconfig, "master-b", upstream_port) as (port_b, _health_b, procs_b):
                name = "web.default.svc.cluster.local"
                assert await eventually(lambda: _ips(name, port), timeout=60, interval=0.2) == ["10.96.0.50"]
                assert ips(await ask(name, port, tcp=True)) == ["10.96.0.50"]
                missing = await ask("nope.default.svc.cluster.local", port)
                assert missing is not None and missing.header.rcode == RCODE.NXDOMAIN
                assert ips(await ask("example.test", port)) == [EXTERNAL_IP]  # forwarded
                assert ips(await ask("example.test", port, tcp=True)) == [EXTERNAL_IP]
                assert ips(await ask("example.test", port)) == [EXTERNAL_IP]
                assert resolver.asked.count("example.test.") == 1  # then cached, for UDP and TCP alike
                elsewhere = await ask("elsewhere.test", port)
                assert elsewhere is not None and elsewhere.header.rcode == RCODE.NXDOMAIN

                kube_dns = await client.get(SERVICES, "kube-dns", "kube-system")
                assert kube_dns["spec"]["clusterIP"] == "10.96.0.10"
                assert kube_dns["metadata"]["labels"]["k8s-app"] == "kube-dns"
                assert not kube_dns["spec"].get("selector")
                assert sorted((p["name"], p["protocol"], p["port"]) for p in kube_dns["spec"]["ports"]) == [
                    ("dns", "UDP", 53), ("dns-tcp", "TCP", 53)]
                for host, dns_port in (("master-a.example", port), ("master-b", port_b)):  # b: --dns-port 0
                    published = await eventually(lambda h=host: slice_of(client, h), timeout=60, interval=0.2)
                    assert published["endpoints"][0]["addresses"] == ["127.0.0.1"]
                    assert published["endpoints"][0]["conditions"]["ready"] is True
                    ports = {p["port"] for p in published["ports"]}
                    assert ports == {dns_port} if dns_port else len(ports) == 1 and 0 not in ports
                    assert ips(await ask(name, ports.pop())) == ["10.96.0.50"]  # the port it publishes answers
                    assert published["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
                        "kube-dns.kube.local"
                async with aiohttp.ClientSession() as session:
                    async with session.get(f"http://127.0.0.1:{health}/readyz") as r:
                        assert r.status == 200
                    async with session.get(f"http://127.0.0.1:{health}/metrics") as r:
                        text = await r.text()
                samples = {(s.name, tuple(s.labels.values())): s.value
                           for f in text_string_to_metric_families(text) for s in f.samples}
                assert samples[("coredns_dns_requests_total", ("udp",))] >= 5
                assert samples[("coredns_dns_requests_total", ("tcp",))] >= 2
                assert samples[("coredns_cache_hits_total", ())] == 2

                # the API server restarts: the informers come back and see what changed meanwhile
                server_process.stop()
                assert ips(await ask(name, port)) == ["10.96.0.50"]  # still answered from memory
                server_process.start()
                await client.create(SERVICES, service("late", cluster_ip="10.96.0.51"), "default")
                await client.delete(SERVICES, "web", "default")
                assert await eventually(lambda: _ips("late.default.svc.cluster.local", port), timeout=90,
                                        interval=0.3) == ["10.96.0.51"]
                gone = await eventually(lambda: _rcode(name, port, RCODE.NXDOMAIN), timeout=30, interval=0.2)
                assert gone

                # a slice deleted behind its daemon's back comes back; a graceful stop withdraws it
                await client.delete(SLICES, "kube-dns-master-b", "kube-system")
                assert await eventually(lambda: slice_of(client, "master-b"), timeout=30, interval=0.2)
                procs_b[0].terminate()
                assert await asyncio.wait_for(procs_b[0].wait(), 30) == 0
                assert await slice_of(client, "master-b") is None
                assert await slice_of(client, "master-a.example") is not None  # the other daemon's is its own
            assert procs[0].returncode == 0
        assert await slice_of(client, "master-a.example") is None
    finally:
        await client.close()


async def _ips(name: str, port: int) -> list[str]:
    return ips(await ask(name, port))


async def _rcode(name: str, port: int, wanted: int) -> bool:
    reply = await ask(name, port)
    return reply is not None and reply.header.rcode == wanted
