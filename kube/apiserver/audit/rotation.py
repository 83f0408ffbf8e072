"""The audit log file, rotated as Kubernetes' (gopkg.in/natefinch/lumberjack.v2) rotates it.

Before a write that would take the file past `max_bytes` (`--audit-log-maxsize` MB; 0
means lumberjack's 100 MB) the file is renamed `<name>-<UTC time>.<ext>` (time as
`2006-01-02T15-04-05.000`, e.g. `audit-2026-12-03T11-22-06.123.log`) and a new one
opened (mode 0600: the log names users and objects). Then backups past `max_backups`
(newest kept) and older than `max_age_days` (by the time in their name) are removed; 0
keeps all. A single line longer than the limit is refused, as lumberjack refuses it.
Used from the writer's thread only.
"""

from __future__ import annotations

import datetime
import os
import time
from pathlib import Path
from typing import BinaryIO

MEGABYTE = 1024 * 1024
DEFAULT_MAX_MB = 100
STAMP = "%Y-%m-%dT%H-%M-%S"


class LineTooLong(ValueError):
    pass


def backup_name(path: Path, at: float) -> Path:
    t = datetime.datetime.fromtimestamp(at, datetime.UTC)
    return path.with_name(f"{path.stem}-{t.strftime(STAMP)}.{t.microsecond // 1000:03d}{path.suffix}")


def _backup_time(path: Path, candidate: Path) -> float | None:
    name = candidate.name
    prefix, suffix = f"{path.stem}-", path.suffix
    if not name.startswith(prefix) or not name.endswith(suffix):
        return None
    stamp = name[len(prefix):len(name) - len(suffix)] if suffix else name[len(prefix):]
    try:
        t = datetime.datetime.strptime(stamp, f"{STAMP}.%f").replace(tzinfo=datetime.UTC)
    except ValueError:
        return None
    return t.timestamp()


class RotatingFile:
    def __init__(self, path: str, max_bytes: int = 0, max_backups: int = 0, max_age_days: int = 0) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes or DEFAULT_MAX_MB * MEGABYTE
        self.max_backups, self.max_age_days = max_backups, max_age_days
        self._file: BinaryIO | None = None
        self._size = 0
        self._last_backup = 0.0

    def _open(self) -> BinaryIO:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = os.fstat(fd).st_size
        return os.fdopen(fd, "ab")

    def write(self, data: bytes) -> None:
        if len(data) > self.max_bytes:
            raise LineTooLong(f"write length {len(data)} exceeds maximum file size {self.max_bytes}")
        if self._file is None:
            self._file = self._open()
        if self._size + len(data) > self.max_bytes:
            self.rotate()
        assert self._file is not None
        self._file.write(data)
        self._size += len(data)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def rotate(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.path.exists():
            at = max(time.time(), self._last_backup + 0.001)  # rotations within a millisecond keep their order
            target = backup_name(self.path, at)
            while target.exists():
                at += 0.001
                target = backup_name(self.path, at)
            self._last_backup = at
            self.path.rename(target)
        self._file = self._open()
        self._remove_old()

    def backups(self) -> list[tuple[float, Path]]:
        """Backups of this log, newest first."""
        found = []
        for candidate in self.path.parent.iterdir():
            t = _backup_time(self.path, candidate)
            if t is not None:
                found.append((t, candidate))
        return sorted(found, reverse=True)

    def _remove_old(self) -> None:
        if not self.max_backups and not self.max_age_days:
            return
        backups = self.backups()
        doomed = backups[self.max_backups:] if self.max_backups else []
        if self.max_age_days:
            cutoff = time.time() - self.max_age_days * 86400
            doomed += [b for b in backups if b[0] < cutoff and b not in doomed]
        for _, p in doomed:
            p.unlink(missing_ok=True)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
