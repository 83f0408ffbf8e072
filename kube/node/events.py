"""Events about pods (Pulled, Created, Started, Killing, BackOff, Unhealthy), as the kubelet
records them: fire-and-forget, a repeat bumps `count` on the first Event instead of adding one."""

from __future__ import annotations

import asyncio
import logging
import secrets

from kube.api.meta import Obj, now_rfc3339
from kube.api.registry import resolve
from kube.client.errors import ApiConnectionError, ApiError
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
    def __init__(self, client: RestClient, node: str) -> None:
        self.client = client
        self.node = node
        self._sent: dict[tuple[str, str, str, str], Obj] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def emit(self, pod: Obj, event_type: str, reason: str, message: str, field_path: str = "") -> None:
        log.info("event %s %s/%s: %s", reason, (pod.get("metadata") or {}).get("namespace"),
                 (pod.get("metadata") or {}).get("name"), message)
        task = asyncio.ensure_future(self._post(pod, event_type, reason, message, field_path))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Wait for events in flight (on shutdown, and in tests)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _post(self, pod: Obj, event_type: str, reason: str, message: str, field_path: str) -> None:
        meta = pod.get("metadata") or {}
        key = (str(meta.get("uid")), reason, message, field_path)
        namespace = meta.get("namespace", "default")
        try:
            previous = self._sent.get(key)
            if previous is not None:
                previous["count"] += 1
                patch = {"count": previous["count"], "lastTimestamp": now_rfc3339()}
                await self.client.patch(EVENT, previous["metadata"]["name"], patch, namespace)
                return
            created = await self.client.create(EVENT, make_event(pod, event_type, reason, message, field_path,
                                                                 self.node), namespace)
            if len(self._sent) >= _REMEMBERED:
                self._sent.clear()
            self._sent[key] = created
        except (ApiError, ApiConnectionError, OSError) as exc:
            self._sent.pop(key, None)
            log.warning("could not record event %s for %s/%s: %s", reason, namespace, meta.get("name"), exc)
