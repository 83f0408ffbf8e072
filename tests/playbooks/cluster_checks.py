"""What the playbook tests read back from a provisioned cluster: through kubectl with
the admin.conf site.yml wrote, and on the hosts through `docker exec`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from hack.hosts.host import Host

KUBECTL = str(Path(sys.executable).parent / "kubectl")
OUR_UNITS = ("kube-etcd", "kube-apiserver", "kube-scheduler", "kube-controller-manager", "kube-csr-signer",
             "kube-dns", "kube-node", "kube-proxy")


def kubectl(kubeconfig: Path, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([KUBECTL, "--kubeconfig", str(kubeconfig), "--request-timeout=20s", *argv],
                          capture_output=True, text=True, timeout=60)
    if check:
        assert proc.returncode == 0, f"kubectl {' '.join(argv)}: {proc.stderr[-1000:]}"
    return proc


def kubectl_json(kubeconfig: Path, *argv: str) -> dict:
    return json.loads(kubectl(kubeconfig, *argv, "-o", "json").stdout)


def wait_for(what: str, probe, timeout: float = 240.0, interval: float = 2.0):
    """probe() until it returns something truthy; the last value or error is in the failure."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
            last = value
        except (AssertionError, subprocess.SubprocessError, ValueError) as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout:.0f}s (last: {last!r})")


def recap(output: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP lines: host -> {ok, changed, unreachable, failed, ...} (the last recap wins)."""
    out: dict[str, dict[str, int]] = {}
    section = output.rsplit("PLAY RECAP", 1)[-1]
    for line in section.splitlines():
        if ":" not in line or "ok=" not in line:
            continue
        host, counts = line.split(":", 1)
        out[host.strip()] = {k: int(v) for k, v in (kv.split("=") for kv in counts.split())}
    return out


def unit_start_times(host: Host) -> dict[str, str]:
    """ActiveEnterTimestamp of each of our units on the host (a restart changes it)."""
    out = {}
    for unit in OUR_UNITS:
        proc = host.exec("systemctl", "show", "-p", "ActiveEnterTimestamp,ActiveState", "--value", unit,
                         check=False)
        if proc.stdout.strip().endswith("active"):
            out[unit] = proc.stdout.strip()
    return out


def cert_fingerprints(host: Host) -> str:
    """The issued certificates and a minion's own (TLS bootstrapped) one."""
    return host.sh("cd /etc/kube/pki && sha256sum *.crt; "
                   "sha256sum /var/lib/kube/node/pki/kubelet-client-current.pem 2>/dev/null; true").stdout


def leftovers(host: Host) -> list[str]:
    """Anything of ours still on the host after reset.yml."""
    found = []
    for unit in OUR_UNITS:
        if host.exec("test", "-e", f"/etc/systemd/system/{unit}.service", check=False).returncode == 0:
            found.append(f"unit {unit}")
        if host.exec("systemctl", "is-active", unit, check=False).stdout.strip() == "active":
            found.append(f"running {unit}")
    for path in ("/etc/kube", "/opt/kube", "/usr/local/bin/kube", "/var/lib/kube", "/var/lib/kube-etcd", "/var/lib/kube-etcd-backups",
                 "/etc/docker/daemon.json", "/etc/sysctl.d/60-kube.conf"):
        if host.exec("test", "-e", path, check=False).returncode == 0 or \
                host.exec("test", "-L", path, check=False).returncode == 0:
            found.append(path)
    if host.sh("command -v docker >/dev/null && docker ps -aq --filter label=io.kube.managed").stdout.strip():
        found.append("containers labelled io.kube.managed")
    if host.sh("command -v docker >/dev/null && docker network ls -q --filter name=^kube-").stdout.strip():
        found.append("docker networks kube-*")
    rules = host.sh("iptables-save | grep -c KUBE || true").stdout.strip()
    if rules not in ("", "0"):
        found.append(f"{rules} iptables lines with KUBE")
    routes = host.sh("ip route | grep -v -e blackhole -e docker0 -e default -e 'dev eth0' || true").stdout.strip()
    if routes:
        found.append(f"routes: {routes}")
    return found


def changed_tasks(output: str) -> list[tuple[str, str]]:
    """(task or handler name, host) for every `changed:` line of a run's output; a task
    delegated to another host (`[host -> other(ip)]`) counts for the host it ran for."""
    out, task = [], ""
    for line in output.splitlines():
        if line.startswith(("TASK [", "RUNNING HANDLER [")):
            task = line.split("[", 1)[1].rsplit("]", 1)[0]
        elif line.startswith("changed: ["):
            out.append((task, line.split("[", 1)[1].split("]", 1)[0].split(" -> ", 1)[0]))
    return out


def node_labels(kubeconfig: Path, name: str) -> dict[str, str]:
    return kubectl_json(kubeconfig, "get", "node", name)["metadata"]["labels"]


def etcd_quota(h: Host) -> float:
    """The member's space quota, as its own /metrics reports it (etcd_server_quota_backend_bytes)."""
    fetch = ("import ssl, urllib.request as u; c = ssl.create_default_context(cafile='/etc/kube/pki/ca.crt'); "
             "c.load_cert_chain('/etc/kube/pki/etcd-healthcheck.crt', '/etc/kube/pki/etcd-healthcheck.key'); "
             "print(u.urlopen('https://127.0.0.1:2379/metrics', context=c, timeout=10).read().decode())")
    metrics = h.exec("/opt/kube/current/bin/python", "-c", fetch).stdout
    return float(next(line.split()[1] for line in metrics.splitlines()
                      if line.startswith("etcd_server_quota_backend_bytes ")))
