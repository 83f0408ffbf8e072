"""The pieces a node-agent benchmark starts: a `kube apiserver` child process (embedded
SQLite store, generated PKI), an admin kubeconfig, and `kube node` child processes, all
on loopback; plus resident memory and CPU time read from /proc, which is what the
benchmarks report about each process."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from kube.api.registry import resolve
from kube.apiserver.auth.kubeconfig import write_kubeconfig
from kube.bench.api_server_process import ApiServerProcess
from kube.client.rest import RestClient

NODE, POD, LEASE = resolve("nodes"), resolve("pods"), resolve("leases")


def proc_stats(pid: int) -> tuple[float, float]:
    """(resident MiB, CPU seconds so far) of a process, from /proc."""
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class BenchCluster:
    """An API server and the node agents started against it (stopped by `stop`)."""

    workdir: Path
    api: ApiServerProcess = field(init=False)
    agents: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.api = ApiServerProcess(self.workdir, ["--store", f"sqlite:{self.workdir / 'state.db'}"])

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "kubeconfig"

    def start_api(self) -> None:
        self.api.start()
        pki = self.api.pki
        write_kubeconfig(str(self.kubeconfig), self.api.url, pki.ca_cert, cert_file=pki.admin_cert,
                         key_file=pki.admin_key)

    def client(self) -> RestClient:
        return RestClient.from_kubeconfig(str(self.kubeconfig), user_agent="kube-bench")

    def start_agent(self, *flags: str, log_name: str = "node.log") -> subprocess.Popen[bytes]:
        """`kube node FLAGS --kubeconfig ...` as a child process (dies with the benchmark)."""
        setpriv = shutil.which("setpriv")
        prefix = [setpriv, "--pdeathsig", "TERM"] if setpriv else []
        with (self.workdir / log_name).open("ab") as log:
            proc = subprocess.Popen([*prefix, sys.executable, "-m", "kube", "node", "--kubeconfig",
                                     str(self.kubeconfig), *flags], stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        self.agents.append(proc)
        return proc

    def api_pid(self) -> int:
        assert self.api.process is not None
        return self.api.process.pid

    def stop(self) -> None:
        for proc in self.agents:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.agents:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.api.stop()


async def wait_nodes(client: RestClient, count: int, agent: subprocess.Popen[bytes], log: Path,
                     timeout: float) -> None:
    """Until `count` nodes hold a Lease in kube-node-lease (the agent must stay alive)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        have = len((await client.list_all(LEASE, "kube-node-lease", page_size=5000))["items"])
        if have >= count:
            return
        if agent.poll() is not None:
            raise RuntimeError(f"kube node exited {agent.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"only {have} of {count} nodes registered in {timeout:g}s")
        await asyncio.sleep(2.0)


async def assign_pod_cidrs(client: RestClient, names: list[str], concurrency: int = 32) -> None:
    """Node IPAM's job (the controller manager is not part of these benchmarks): a /24 each
    from 10.0.0.0/8, so up to 65,536 nodes."""
    slots = asyncio.Semaphore(concurrency)

    async def one(i: int, name: str) -> None:
        cidr = f"10.{(i >> 8) & 255}.{i & 255}.0/24"
        async with slots:
            await client.patch(NODE, name, {"spec": {"podCIDR": cidr, "podCIDRs": [cidr]}})

    await asyncio.gather(*(one(i + 256, n) for i, n in enumerate(names)))
