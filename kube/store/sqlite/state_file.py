"""The state file on disk: private to its owner, and given back its free pages.

Privacy. The file holds every object, Secrets included (base64 is no
protection), so it is created 0600 and an existing file that is more open
(0644 from an older build) is tightened to 0600 at open, as are its -wal and
-shm files (SQLite creates those with the main file's mode, so new ones follow
it). Missing directories are created 0700. An existing directory is left as it
is (it may be the working directory or a shared one) and a warning names it
when group or others may enter it, as etcd warns about its --data-dir.

Space. Compaction deletes rows, and SQLite keeps the freed pages in the file
(its freelist) unless the file uses auto-vacuum: a file compacted after a burst
otherwise stays at its high-water size with half its pages free. New files are
created with `auto_vacuum=INCREMENTAL` (connect() sets it before anything else
touches the file) and the writer calls release_free_pages() after every
compaction step, on its own thread, so the pages go back to the file system
without a full VACUUM and without blocking the event loop. A file made before
that is converted once, by VACUUM, the first time it is opened.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path

from kube.store.errors import StoreError

log = logging.getLogger("kube.store.sqlite")

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
INCREMENTAL = 2  # PRAGMA auto_vacuum's value for INCREMENTAL (0 NONE, 1 FULL)
COMPANIONS = ("-wal", "-shm", "-journal")


def make_private(path: Path) -> None:
    """Create path's missing directories 0700 and the file 0600; tighten an existing file
    (and its -wal/-shm) to 0600. Raises StoreError with one line when that cannot be done."""
    _make_directories(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        os.close(fd)
    except OSError as error:
        raise StoreError(f"cannot open the state file {path}: {error.strerror}") from error
    for file in (path, *(path.with_name(path.name + suffix) for suffix in COMPANIONS)):
        _tighten(file)
    _warn_if_open(path.parent)


def _make_directories(directory: Path) -> None:
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for each in reversed(missing):
        try:
            each.mkdir(mode=DIRECTORY_MODE, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the state directory {each}: {error.strerror}") from error


def _tighten(file: Path) -> None:
    try:
        mode = stat.S_IMODE(file.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & ~FILE_MODE == 0:
        return
    try:
        file.chmod(FILE_MODE)
    except OSError as error:
        raise StoreError(f"the state file {file} is mode {mode:o}, readable by others, and cannot be made "
                         f"0600: {error.strerror}") from error
    log.warning("state file %s was mode %o (readable by others): now 0600", file, mode)


def _warn_if_open(directory: Path) -> None:
    mode = stat.S_IMODE(directory.stat().st_mode)
    if mode & 0o077:
        log.warning("the state file's directory %s is mode %o; 0700 keeps others out of it", directory, mode)


def convert_to_incremental_vacuum(conn: sqlite3.Connection) -> bool:
    """Once per file made before auto-vacuum: switch it to INCREMENTAL with a VACUUM
    (which rewrites the file). True if converted; a failure (disk full) is logged and
    the store runs on without giving pages back."""
    if conn.execute("PRAGMA auto_vacuum").fetchone()[0] == INCREMENTAL:
        return False
    size = conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    log.info("sqlite store: converting the file (%.1f MB) to incremental auto-vacuum: one VACUUM", size / 1e6)
    try:
        conn.execute(f"PRAGMA auto_vacuum={INCREMENTAL}")
        conn.execute("VACUUM")
    except sqlite3.Error as error:
        log.warning("sqlite store: could not convert the file to incremental vacuum: %s", error)
        return False
    log.info("sqlite store: converted the file to incremental auto-vacuum")
    return True


def release_free_pages(conn: sqlite3.Connection) -> None:
    """Give the freelist's pages back to the file system (outside any transaction).

    executescript runs the pragma to completion: through execute() it would free a
    single page, as it frees one page per step."""
    conn.executescript("PRAGMA incremental_vacuum")


def free_page_share(conn: sqlite3.Connection) -> float:
    """The share of the file's pages that are free (0.0 to 1.0)."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return free / pages if pages else 0.0
