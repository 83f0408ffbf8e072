"""The audit log backend: a bounded queue in front of one writer thread, so a request never
waits for the disk.

A request hands its events to `send` (a non-blocking put) and goes on; the thread takes
what has queued, encodes each event as one JSON line (Go's HTML-safe escapes, as
Kubernetes' encoder writes them) and writes the batch to the file (or stdout for "-"),
flushing after each batch. When the queue is full (`--audit-log-batch-buffer-size`, 10,000
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
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter

from kube.api.go_json import html_safe
from kube.apiserver.audit.rotation import MEGABYTE, RotatingFile

log = logging.getLogger("kube.apiserver.audit")
DEFAULT_BUFFER = 10_000
_STOP = object()


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
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=buffer_size)
        self._file = None if path == "-" else RotatingFile(path, max_size_mb * MEGABYTE, max_backups, max_age_days)
        self._thread = threading.Thread(target=self._run, name="audit-log", daemon=True)
        self._thread.start()

    def send(self, event: dict[str, Any]) -> None:
        self.metrics.events.inc()
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.metrics.errors.inc()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < 1000:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(e is _STOP for e in batch)
            self._write([e for e in batch if e is not _STOP])
            if stop:
                if self._file is not None:
                    self._file.close()
                return

    def _write(self, events: list[dict[str, Any]]) -> None:
        for ev in events:
            line = html_safe(orjson.dumps(ev, option=orjson.OPT_APPEND_NEWLINE))
            try:
                if self._file is None:
                    sys.stdout.buffer.write(line)
                else:
                    self._file.write(line)
            except (OSError, ValueError) as exc:
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
