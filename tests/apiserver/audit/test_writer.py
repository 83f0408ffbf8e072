"""The audit log file: lumberjack's rotation (backup names, maxbackup, maxage, a line too long),
and the writer's bounded queue: a full queue drops and counts, never blocks a request."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from kube.apiserver.audit.rotation import LineTooLong, RotatingFile, backup_name
from kube.apiserver.audit.writer import AuditMetrics, LogWriter

BACKUP = re.compile(r"^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$")


def test_rotation_by_size_keeps_maxbackup_files_named_as_lumberjack(tmp_path: Path) -> None:
    log = RotatingFile(str(tmp_path / "audit.log"), max_bytes=100, max_backups=2)
    lines = [f"{i:09d}\n".encode() * 3 for i in range(20)]  # 30 bytes each: three to a file
    for line in lines:
        log.write(line)
    log.close()
    backups = log.backups()
    assert len(backups) == 2 and all(BACKUP.match(p.name) for _, p in backups)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["audit.log", *(p.name for _, p in backups)])
    assert (tmp_path / "audit.log").read_bytes() == b"".join(lines[18:])  # 6 files of 3, the last holds 2
    assert [p.read_bytes() for _, p in backups] == [b"".join(lines[15:18]), b"".join(lines[12:15])]
    assert all(p.stat().st_size <= 100 for p in tmp_path.iterdir())
    assert (tmp_path / "audit.log").stat().st_mode & 0o777 == 0o600


def test_an_existing_log_is_appended_to_and_maxage_removes_old_backups(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    path.write_bytes(b"x" * 60)
    old = backup_name(path, time.time() - 3 * 86400)
    old.write_bytes(b"old")
    recent = backup_name(path, time.time() - 3600)
    recent.write_bytes(b"recent")
    (tmp_path / "audit-notes.log").write_bytes(b"not a backup")
    log = RotatingFile(str(path), max_bytes=100, max_age_days=2)
    log.write(b"y" * 30)  # fits: appended
    log.flush()
    assert path.read_bytes() == b"x" * 60 + b"y" * 30
    log.write(b"z" * 30)  # does not: rotated, and the 3-day-old backup goes
    log.close()
    assert path.read_bytes() == b"z" * 30
    assert not old.exists() and recent.exists() and (tmp_path / "audit-notes.log").exists()
    assert len(log.backups()) == 2
    with pytest.raises(LineTooLong, match="exceeds maximum file size"):
        RotatingFile(str(path), max_bytes=10).write(b"a" * 11)


def test_a_full_queue_drops_and_counts_and_send_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "audit.log"
    os.mkfifo(fifo)  # opening it for writing blocks until a reader comes: the writer thread is stuck
    registry = CollectorRegistry()
    writer = LogWriter(str(fifo), AuditMetrics(registry), buffer_size=2)
    started = time.monotonic()
    for i in range(50):
        writer.send({"n": i})
    assert time.monotonic() - started < 5  # generous: the point is that it returned at all
    dropped = registry.get_sample_value("apiserver_audit_error_total", {"plugin": "log"})
    assert registry.get_sample_value("apiserver_audit_event_total") == 50
    assert dropped is not None and dropped >= 40
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.extend(fifo.open("rb").read().splitlines()))
    reader.start()
    writer.close()
    reader.join(10)
    assert len(received) + dropped == 50 and received[0].startswith(b'{"n":')
