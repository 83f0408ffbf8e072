"""The audit log backend: a bounded queue in front of one writer thread, so a request never
waits for the disk.

A request encodes its events in `send`, each one JSON line (Go's HTML-safe escapes, as
Kubernetes' encoder writes them), queues them (a non-blocking put) and goes on; the thread
wakes at most every BATCH_WAIT, takes what has queued and writes it to the file (or stdout
for "-"), flushing after each batch. The encoding is the request's (~5 µs an event) on
purpose: done in the thread, it held the GIL in runs the event loop then waited behind
(up to the 5 ms switch interval), which cost a sequential GET several times more; the
thread now only copies bytes and makes system calls, which release the GIL. When the queue is full (`--audit-log-batch-buffer-size`, 10,000
as Kubernetes' batch backend) the event is dropped and counted, as Kubernetes' buffered
backend does, in `apiserver_audit_error_total{plugin="log"}`; every event sent counts in
`apiserver_audit_event_total`, and every request's policy level in
`apiserver_audit_level_total{level}`.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from typing import Any, Protocol

import orjson
from prometheus_client import CollectorRegistry, Counter

from kube.api.go_json import html_safe
from kube.apiserver.audit.rotation import MEGABYTE, RotatingFile

log = logging.getLogger("kube.apiserver.audit")
DEFAULT_BUFFER = 10_000
BATCH_WAIT = 0.05  # seconds
_STOP = object()


class Renderable(Protocol):
    def render(self) -> dict[str, Any]: ...


class AuditMetrics:
    """Kubernetes' names for the audit counters (k8s.io/apiserver/pkg/audit/metrics.go)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Counter("apiserver_audit_event", "Counter of audit events generated and sent to the audit "
                              "backend.", registry=registry)
        self.errors = Counter("apiserver_audit_error", "Counter of audit events that failed to be audited "
                              "properly. Plugin identifies the plugin affected by the error.", ("plugin",),
                              registry=registry).labels("log")
        self._levels = Counter("apiserver_audit_level", "Counter of policy levels for audit events (1 per "
                               "request).", ("level",), registry=registry)
        self.level = {lv: self._levels.labels(lv).inc for lv in ("None", "Metadata", "Request", "RequestResponse")}


class LogWriter:
    def __init__(self, path: str, metrics: AuditMetrics, *, max_size_mb: int = 0, max_backups: int = 0,
                 max_age_days: int = 0, buffer_size: int = DEFAULT_BUFFER) -> None:
        self.metrics = metrics
        self._queue: queue.Queue[bytes | object] = queue.Queue(maxsize=buffer_size)
        self._file = None if path == "-" else RotatingFile(path, max_size_mb * MEGABYTE, max_backups, max_age_days)
        self._thread = threading.Thread(target=self._run, name="audit-log", daemon=True)
        self._thread.start()

    def send(self, event: Renderable | dict[str, Any]) -> None:
        """Encode an event (a dict, or what renders into one) and queue its line for the thread."""
        self.metrics.events.inc()
        try:
            line = html_safe(orjson.dumps(event if isinstance(event, dict) else event.render(),
                                          option=orjson.OPT_APPEND_NEWLINE))
        except Exception as exc:  # noqa: BLE001 - an event that cannot be encoded is an audit error, not a 500
            self.metrics.errors.inc()
            log.error("audit log: cannot encode an event: %s", exc)
            return
        try:
            self._queue.put_nowait(line)
        except queue.Full:
            self.metrics.errors.inc()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            time.sleep(BATCH_WAIT)  # let a batch gather: one wake-up (and one GIL hand-over) per batch
            while len(batch) < 1000:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(e is _STOP for e in batch)
            self._write([e for e in batch if isinstance(e, bytes)])
            if stop:
                if self._file is not None:
                    self._file.close()
                return

    def _write(self, lines: list[bytes]) -> None:
        for line in lines:
            try:
                if self._file is None:
                    sys.stdout.buffer.write(line)
                else:
                    self._file.write(line)
            except (OSError, ValueError) as exc:  # a full disk, a line past the rotation size
                self.metrics.errors.inc()
                log.error("audit log: cannot write an event: %s", exc)
        try:
            if self._file is None:
                sys.stdout.buffer.flush()
            else:
                self._file.flush()
        except OSError as exc:
            log.error("audit log: cannot flush: %s", exc)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread (blocking: call it off the event loop)."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)
