"""Waiting for the examples' Deployments to roll out, showing "web: 2/3 ready".

The test for "done" is the one `kubectl rollout status` applies, so `kube up`
returns exactly when kubectl would say the rollout finished.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from kube.api.registry import resolve
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.rest import RestClient
from kube.local.examples import DeploymentRef

DEPLOYMENTS = resolve("deployments")


@dataclass(frozen=True)
class RolloutState:
    desired: int
    updated: int
    ready: int
    available: int
    done: bool

    def line(self, name: str) -> str:
        text = f"{name}: {self.ready}/{self.desired} ready"
        if self.updated < self.desired:
            text += f", {self.updated} updated"
        return text + (" (rolled out)" if self.done else "")


def rollout_state(deployment: dict[str, Any]) -> RolloutState:
    """How far a Deployment's rollout is, judged as kubectl rollout status does."""
    meta = deployment.get("metadata") or {}
    spec = deployment.get("spec") or {}
    status = deployment.get("status") or {}
    desired = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    updated = int(status.get("updatedReplicas") or 0)
    ready = int(status.get("readyReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    total = int(status.get("replicas") or 0)
    observed = int(status.get("observedGeneration") or 0) >= int(meta.get("generation") or 0)
    done = observed and updated >= desired and total <= updated and available >= updated
    return RolloutState(desired, updated, ready, available, done)


async def wait_rollouts(client: RestClient, refs: list[DeploymentRef], timeout: float,
                        out: TextIO = sys.stdout) -> bool:
    """Poll until every Deployment is rolled out (True) or the timeout passes (False).

    On a terminal one line is redrawn in place; otherwise a line is printed on each change."""
    interactive = out.isatty()
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        states = []
        for ref in refs:
            try:
                obj = await client.get(DEPLOYMENTS, ref.name, ref.namespace)
                states.append((ref, rollout_state(obj)))
            except (ApiError, ApiConnectionError):
                states.append((ref, None))
        text = "  " + ", ".join(s.line(r.name) if s else f"{r.name}: not found" for r, s in states)
        if text != last:
            out.write(("\r\x1b[K" + text) if interactive else text + "\n")
            out.flush()
            last = text
        if all(s is not None and s.done for _, s in states):
            if interactive:
                out.write("\n")
            return True
        if time.monotonic() >= deadline:
            if interactive:
                out.write("\n")
            return False
        await asyncio.sleep(1.0)
