"""Scale check (a script, not a test): `kube node --simulated --count N` in one process holds
every node alive for a few minutes against a real `kube apiserver` process.

    .venv/bin/python -m tests.node.simulated_scale --nodes 5000 --minutes 3

Every 10 s it lists the Leases in kube-node-lease and reports the oldest renewTime:
a node goes NotReady when its Lease is older than the node-monitor grace period
(40 s), so "max lease age < 40 s" at every sample is the pass condition. It also
reports the node agent's resident memory and CPU share (from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from kube.api.meta import parse_rfc3339
from kube.api.registry import resolve
from kube.client.rest import RestClient
from tests.apiserver.conftest import write_kubeconfig
from tests.conftest import free_port

TOKEN = "scale-admin-token-0123456789"
GRACE = 40.0


def proc_stats(pid: int) -> tuple[float, float]:
    """(RSS MiB, CPU seconds so far) of a process."""
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss, (int(fields[11]) + int(fields[12])) / ticks


async def sample(client: RestClient, lease_kind) -> tuple[int, float, int]:
    items = (await client.list_all(lease_kind, "kube-node-lease"))["items"]
    now = datetime.now(UTC)
    ages = [(now - parse_rfc3339(i["spec"]["renewTime"])).total_seconds() for i in items]
    nodes = (await client.list_all(resolve("nodes")))["items"]
    not_ready = sum(1 for n in nodes if not any(c["type"] == "Ready" and c["status"] == "True"
                                                 for c in n["status"].get("conditions") or []))
    return len(items), max(ages, default=0.0), not_ready


async def main(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="kube-scale-"))
    (work / "pki").mkdir()
    (work / "pki" / "tokens.csv").write_text(f'{TOKEN},kube-admin,kube-admin,"system:masters"\n')
    port = free_port()
    api = subprocess.Popen([sys.executable, "-m", "kube", "apiserver", "--store", f"sqlite:{work / 'state.db'}",
                            "--bind-address", "127.0.0.1", "--secure-port", str(port), "--cert-dir",
                            str(work / "pki"), "--token-auth-file", str(work / "pki" / "tokens.csv")],
                           stdout=open(work / "apiserver.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
    kubeconfig = write_kubeconfig(work / "kubeconfig", f"https://127.0.0.1:{port}", str(work / "pki" / "ca.crt"), TOKEN)
    client = None
    node_proc = None
    failures = 0
    try:
        for _ in range(300):
            if (work / "pki" / "ca.crt").exists():
                try:
                    client = RestClient.from_kubeconfig(str(kubeconfig))
                    await client.request("GET", "/readyz")
                    break
                except Exception:  # noqa: BLE001 - not up yet
                    await client.close() if client else None
                    client = None
            await asyncio.sleep(0.2)
        assert client is not None, (work / "apiserver.log").read_text()[-2000:]
        started = time.monotonic()
        node_proc = subprocess.Popen([sys.executable, "-m", "kube", "node", "--simulated", "--count", str(args.nodes),
                                      "--zones", "a,b,c", "--kubeconfig", str(kubeconfig)],
                                     stdout=open(work / "nodes.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        lease = resolve("leases")
        while True:
            count, _age, _nr = await sample(client, lease)
            if count >= args.nodes:
                break
            assert node_proc.poll() is None, (work / "nodes.log").read_text()[-2000:]
            await asyncio.sleep(2)
        registered = time.monotonic() - started
        print(f"{args.nodes} nodes registered with leases in {registered:.1f}s", flush=True)
        _, cpu0 = proc_stats(node_proc.pid)
        t0 = time.monotonic()
        end = t0 + args.minutes * 60
        worst = 0.0
        while time.monotonic() < end:
            await asyncio.sleep(10)
            count, age, not_ready = await sample(client, lease)
            rss, cpu = proc_stats(node_proc.pid)
            share = (cpu - cpu0) / (time.monotonic() - t0)
            worst = max(worst, age)
            ok = count == args.nodes and age < GRACE and not_ready == 0
            failures += not ok
            print(f"t={time.monotonic() - t0:5.0f}s leases={count} max_lease_age={age:5.1f}s not_ready={not_ready} "
                  f"agent_rss={rss:.0f}MiB agent_cpu={share * 100:.0f}% {'ok' if ok else 'FAIL'}", flush=True)
        rss, cpu = proc_stats(node_proc.pid)
        api_rss, _ = proc_stats(api.pid)
        print(json.dumps({"nodes": args.nodes, "registration_seconds": round(registered, 1),
                          "max_lease_age_seconds": round(worst, 1), "failed_samples": failures,
                          "agent_rss_mib": round(rss), "agent_cpu_share": round((cpu - cpu0) / (time.monotonic() - t0), 3),
                          "apiserver_rss_mib": round(api_rss)}))
    finally:
        for proc in (node_proc, api):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if client is not None:
            await client.close()
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--minutes", type=float, default=3.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
