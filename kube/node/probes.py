"""Liveness, readiness and startup probes: exec (docker exec), httpGet and tcpSocket
(to the pod IP from the host), each a small task per container instance.

A worker counts consecutive results and flips its verdict only at
failureThreshold / successThreshold, as the kubelet's prober does; liveness and
readiness wait until the startup probe (if any) has succeeded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from kube.api.meta import Obj

log = logging.getLogger("kube.node.probes")
ExecFn = Callable[[list[str], float], Awaitable[tuple[int, str]]]


@dataclass
class ProbeTarget:
    pod_ip: str
    container: Obj
    exec_fn: ExecFn


def _port(value: Any, container: Obj) -> int:
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    for port in container.get("ports") or []:
        if port.get("name") == value:
            return int(port.get("containerPort", 0))
    raise ValueError(f"port {value!r} is not a named port of the container")


async def run_probe(spec: Obj, target: ProbeTarget) -> tuple[bool, str]:
    """One probe attempt: (succeeded, message for the Unhealthy event when not)."""
    timeout = float(spec.get("timeoutSeconds") or 1)
    try:
        if spec.get("exec"):
            command = [str(c) for c in spec["exec"].get("command") or []]
            code, output = await target.exec_fn(command, timeout)
            return code == 0, f"exec {command} exited {code}: {output.strip()[:200]}"
        if spec.get("httpGet"):
            get = spec["httpGet"]
            host = get.get("host") or target.pod_ip
            url = f"{str(get.get('scheme', 'HTTP')).lower()}://{host}:{_port(get.get('port'), target.container)}" \
                  f"{get.get('path') or '/'}"
            headers = {h.get("name", ""): h.get("value", "") for h in get.get("httpHeaders") or []}
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session, \
                    session.get(url, headers=headers, ssl=False, allow_redirects=False) as resp:
                ok = 200 <= resp.status < 400
                return ok, f"HTTP probe failed with statuscode: {resp.status}"
        if spec.get("tcpSocket"):
            sock = spec["tcpSocket"]
            host = sock.get("host") or target.pod_ip
            port = _port(sock.get("port"), target.container)
            _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
            writer.close()
            return True, ""
    except TimeoutError:
        return False, f"probe timed out after {timeout:g}s"
    except (OSError, aiohttp.ClientError, ValueError) as exc:
        return False, f"probe failed: {exc}"
    return False, "probe has no handler (exec, httpGet or tcpSocket)"


class ProbeWorker:
    """Runs one probe of one container instance until cancelled; `ok` is the current verdict."""

    def __init__(self, kind: str, spec: Obj, target: ProbeTarget, gate: Callable[[], bool],
                 on_failure: Callable[[str, str], None], on_change: Callable[[str, bool], None]) -> None:
        self.kind = kind  # liveness | readiness | startup
        self.spec = spec
        self.target = target
        self.gate = gate
        self.on_failure = on_failure  # (kind, message): Unhealthy event, and for liveness/startup a restart
        self.on_change = on_change  # (kind, verdict) when the verdict flips
        self.ok: bool = kind == "liveness"  # readiness and startup start out false
        self._successes = 0
        self._failures = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        period = float(self.spec.get("periodSeconds") or 10)
        await asyncio.sleep(float(self.spec.get("initialDelaySeconds") or 0))
        fail_at = int(self.spec.get("failureThreshold") or 3)
        succeed_at = int(self.spec.get("successThreshold") or 1)
        while True:
            if self.gate():
                ok, message = await run_probe(self.spec, self.target)
                if ok:
                    self._successes, self._failures = self._successes + 1, 0
                    if not self.ok and self._successes >= succeed_at:
                        self.ok = True
                        self.on_change(self.kind, True)
                        if self.kind == "startup":
                            return  # a startup probe stops once it succeeded
                else:
                    self._failures, self._successes = self._failures + 1, 0
                    self.on_failure(self.kind, message)
                    if self._failures >= fail_at and (self.ok or self.kind != "readiness"):
                        self.ok = False
                        self.on_change(self.kind, False)
                        if self.kind in ("liveness", "startup"):
                            return  # the container is killed and restarted with fresh probes
            await asyncio.sleep(period)
