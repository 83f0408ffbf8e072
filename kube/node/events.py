"""Events about pods (Pulled, Created, Started, Killing, BackOff, Unhealthy), as the kubelet
records them: fire-and-forget, a repeat bumps `count` on the first Event instead of adding one
(kube/client/event_writer.py holds that rule)."""

from __future__ import annotations

import logging
import secrets

from kube.api.meta import Obj, now_rfc3339
from kube.api.registry import resolve
from kube.client.event_writer import EventWriter
from kube.client.rest import RestClient

log = logging.getLogger("kube.node.events")
EVENT = resolve("events")
_REMEMBERED = 5000


def make_event(pod: Obj, event_type: str, reason: str, message: str, field_path: str, node: str) -> Obj:
    meta = pod.get("metadata") or {}
    now = now_rfc3339()
    involved = {"kind": "Pod", "apiVersion": "v1", "namespace": meta.get("namespace", "default"),
                "name": meta.get("name", ""), "uid": meta.get("uid", "")}
    if field_path:
        involved["fieldPath"] = field_path
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{meta.get('name', 'pod')}.{secrets.token_hex(8)}",
                         "namespace": meta.get("namespace", "default")},
            "involvedObject": involved, "reason": reason, "message": message, "type": event_type,
            "source": {"component": "kubelet", "host": node}, "reportingComponent": "kubelet",
            "reportingInstance": node, "firstTimestamp": now, "lastTimestamp": now, "count": 1}


class EventRecorder:
    """The agent's Events through the client's bounded EventWriter (one worker, repeats
    folded into `count`, a full queue drops): a pod crash-looping on a dead API server
    costs no task and no memory per Event."""

    def __init__(self, client: RestClient, node: str, *, max_pending: int = 1000) -> None:
        self.node = node
        self.writer = EventWriter(client, f"node {node}", max_pending=max_pending, remembered=_REMEMBERED)

    def emit(self, pod: Obj, event_type: str, reason: str, message: str, field_path: str = "") -> None:
        meta = pod.get("metadata") or {}
        log.info("event %s %s/%s: %s", reason, meta.get("namespace"), meta.get("name"), message)

        def build(count: int) -> Obj:
            event = make_event(pod, event_type, reason, message, field_path, self.node)
            event["count"] = count
            return event

        self.writer.submit((str(meta.get("uid")), reason, message, field_path), meta.get("namespace", "default"),
                           build)

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait for Events queued so far to be posted (on shutdown, and in tests)."""
        await self.writer.flush(timeout)
