"""What watches the cluster while a playbook rolls it: threads that request a Service
through a NodePort every 50 ms, ask every API server's /readyz, count the ready pods of
a Deployment through the API, and (on an etcd host) write to etcd. Each keeps its
failures with the time they happened, for the test's assertion message."""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from hack.hosts.host import Host


@dataclass
class Probe:
    name: str
    interval: float
    attempts: int = 0
    failures: list[str] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)


def admin_tls(kubeconfig: Path, directory: Path) -> ssl.SSLContext:
    """A TLS context with the admin client certificate of an admin.conf (embedded data)."""
    cfg = yaml.safe_load(kubeconfig.read_text())
    user, cluster = cfg["users"][0]["user"], cfg["clusters"][0]["cluster"]
    paths = {}
    for key, data in (("ca", cluster["certificate-authority-data"]), ("crt", user["client-certificate-data"]),
                      ("key", user["client-key-data"])):
        paths[key] = directory / f"prober-admin.{key}"
        paths[key].write_bytes(base64.b64decode(data))
        paths[key].chmod(0o600)
    ctx = ssl.create_default_context(cafile=str(paths["ca"]))
    ctx.check_hostname = False  # the masters are reached by IP; the CA is what is checked
    ctx.load_cert_chain(str(paths["crt"]), str(paths["key"]))
    return ctx


class Probers:
    """Start with start(), stop with stop(); read the Probe records."""

    def __init__(self, node_url: str, masters: list[str], tls: ssl.SSLContext, app: str,
                 etcd_host: Host | None = None) -> None:
        self.node_url, self.masters, self.tls, self.app, self.etcd_host = node_url, masters, tls, app, etcd_host
        self.service = Probe("service via NodePort", 0.05)
        self.api = Probe("some API server ready", 0.2)
        self.ready = Probe("ready pods", 0.5)
        self.etcd = Probe("etcd writes", 0.5)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(p, f), daemon=True) for p, f in
                         ((self.service, self._service), (self.api, self._api), (self.ready, self._ready))]

    def start(self) -> Probers:
        if self.etcd_host is not None:
            self.etcd_host.sh("rm -f /tmp/etcd-probe.log; nohup sh -c 'while :; do etcdctl "
                              "--endpoints=https://127.0.0.1:2379 --cacert=/etc/kube/pki/ca.crt "
                              "--cert=/etc/kube/pki/etcd-healthcheck.crt --key=/etc/kube/pki/etcd-healthcheck.key "
                              "--command-timeout=2s put /kube-probe/w \"$(date +%s%N)\" >/dev/null 2>&1 "
                              "&& echo ok || echo \"FAIL $(date +%T.%N)\"; sleep 0.5; done' "
                              ">/tmp/etcd-probe.log 2>&1 & echo $! > /tmp/etcd-probe.pid")
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)
        if self.etcd_host is not None:
            self.etcd_host.sh("kill $(cat /tmp/etcd-probe.pid)", check=False)
            lines = self.etcd_host.sh("cat /tmp/etcd-probe.log").stdout.splitlines()
            self.etcd.attempts = len(lines)
            self.etcd.failures = [line for line in lines if line.startswith("FAIL")]

    def _loop(self, probe: Probe, once) -> None:
        while not self._stop.is_set():
            t0 = time.monotonic()
            probe.attempts += 1
            try:
                once(probe)
            except Exception as exc:  # noqa: BLE001 -- any error of a request is a failed request
                probe.failures.append(f"{time.strftime('%H:%M:%S')} {type(exc).__name__}: {exc}"[:200])
            self._stop.wait(max(0.0, probe.interval - (time.monotonic() - t0)))

    def _service(self, probe: Probe) -> None:
        assert service_answers(self.node_url)

    def _api(self, probe: Probe) -> None:
        errors = []
        for url in self.masters:
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=1, context=self.tls) as resp:
                    if resp.status == 200:
                        return
            except Exception as exc:  # noqa: BLE001 -- this one is down; another may answer
                errors.append(f"{url}: {exc}")
        raise AssertionError("; ".join(errors))

    def _ready(self, probe: Probe) -> None:
        for url in self.masters:  # the first that answers
            try:
                with urllib.request.urlopen(f"{url}/api/v1/namespaces/default/pods?labelSelector=app%3D{self.app}",
                                            timeout=2, context=self.tls) as resp:
                    pods = json.load(resp)["items"]
                break
            except OSError:
                continue
        else:
            return  # no API server answered: the API probe records that
        probe.samples.append(sum(
            1 for p in pods if any(c["type"] == "Ready" and c["status"] == "True"
                                   for c in p.get("status", {}).get("conditions", []))))



def service_answers(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as resp:
        assert resp.status == 200 and resp.read().strip() == b"ok", resp.status
    return True
