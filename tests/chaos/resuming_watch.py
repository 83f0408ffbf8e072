"""A watch with the official client that survives API server restarts the way a careful
client does: when the stream breaks (the server was killed, a read timed out, the server
ended it) it watches again from the last resourceVersion it saw, on the next server.

Bookmarks move the resourceVersion on without an event. A 410 Gone (the server no longer
has the history to resume from) is counted in `gone` and answered by a relist: the list's
items are handed to `on_relist` so the oracle can tell which writes it only saw as a
state, not as an event (the chaos tests require `gone == 0`: the store keeps 5 minutes of
history and no outage here lasts that long).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kubernetes.client.exceptions import ApiException

from tests.chaos.official_client import Servers, transient

log = logging.getLogger("tests.chaos.watch")
Event = dict[str, Any]


class ResumingWatch(threading.Thread):
    """Watch `resource` ("configmaps" or "pods") in a namespace; on_event(type, object) per event."""

    def __init__(self, servers: Servers, resource: str, namespace: str,
                 on_event: Callable[[str, dict[str, Any]], None],
                 on_relist: Callable[[list[dict[str, Any]]], None] | None = None) -> None:
        super().__init__(name=f"watch-{resource}", daemon=True)
        self.servers, self.resource, self.namespace = servers, resource, namespace
        self.on_event, self.on_relist = on_event, on_relist
        self.resource_version = ""
        self.resumes = 0  # watches started again from resource_version after a break
        self.gone = 0  # 410s answered by a relist
        self.error: BaseException | None = None  # what ended the thread, if not stop()
        self._halt = threading.Event()

    def _list(self) -> list[dict[str, Any]]:
        """List (retrying across servers) and set resource_version to the list's."""
        while not self._halt.is_set():
            try:
                resp = self.servers.call(lambda s: self._lister(s)(
                    self.namespace, _preload_content=False, _request_timeout=(3, 30)))
                body = json.loads(resp.data)
                self.resource_version = body["metadata"]["resourceVersion"]
                return body["items"]
            except Exception as error:
                if not transient(error):
                    raise
                self.servers.rotate()
                time.sleep(0.2)
        return []

    def _lister(self, servers: Servers) -> Callable[..., Any]:
        core = servers.core
        return {"configmaps": core.list_namespaced_config_map, "pods": core.list_namespaced_pod}[self.resource]

    def start_from_list(self) -> list[dict[str, Any]]:
        """The initial list (its items), then the watch from its resourceVersion in the thread."""
        items = self._list()
        self.start()
        return items

    def run(self) -> None:
        try:
            while not self._halt.is_set():
                try:
                    self._watch_once()
                except ApiException as error:
                    if error.status == 410:
                        self.gone += 1
                        log.warning("watch %s: 410 Gone at %s, relisting", self.resource, self.resource_version)
                        items = self._list()
                        if self.on_relist is not None:
                            self.on_relist(items)
                        continue
                    if not transient(error):
                        raise
                    self._broke(error)
                except Exception as error:
                    if not transient(error):
                        raise
                    self._broke(error)
        except BaseException as error:  # noqa: BLE001 - kept for the test to report
            self.error = error

    def _broke(self, error: BaseException) -> None:
        if self._halt.is_set():
            return
        log.info("watch %s broke at %s (%s), resuming", self.resource, self.resource_version, type(error).__name__)
        self.servers.rotate()
        self.resumes += 1
        time.sleep(0.2)

    def _watch_once(self) -> None:
        """One watch request from resource_version until the server ends it or it breaks."""
        resp = self._lister(self.servers)(
            self.namespace, watch=True, resource_version=self.resource_version, allow_watch_bookmarks=True,
            timeout_seconds=30, _preload_content=False, _request_timeout=(3, 45))
        self._resp = resp
        try:
            buffer = b""
            for chunk in resp.stream(4096, decode_content=False):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        self._event(json.loads(line))
                if self._halt.is_set():
                    return
        finally:
            resp.release_conn()
        if not self._halt.is_set():
            self.resumes += 1  # the server ended the watch (timeout_seconds): resume

    def _event(self, event: Event) -> None:
        kind, obj = event["type"], event["object"]
        if kind == "ERROR":
            raise ApiException(status=obj.get("code", 500), reason=f"{obj.get('reason')}: {obj.get('message')}")
        self.resource_version = obj["metadata"]["resourceVersion"]
        if kind != "BOOKMARK":
            self.on_event(kind, obj)

    def stop(self) -> None:
        self._halt.set()
        resp = getattr(self, "_resp", None)
        if resp is not None:
            try:
                resp.shutdown()
            except Exception:  # noqa: BLE001 - best effort; the read timeout ends it anyway
                pass
        self.join(50)
