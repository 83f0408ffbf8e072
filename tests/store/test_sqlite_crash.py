"""kill -9 of a process writing to the embedded store loses no acknowledged write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kube.store.sqlite import SqliteStore

# Writes keys from 50 concurrent tasks as fast as it can; prints "key revision" once a
# write is acknowledged (its create() returned), flushing every line.
WRITER = r"""
import asyncio, sys
from kube.store.sqlite import SqliteStore

async def main(path):
    store = await SqliteStore.open(path)

    async def writer(n):
        i = 0
        while True:
            kv = await store.create(f"/crash/{n}/{i}", b"v" * 64)
            sys.stdout.write(f"{kv.key} {kv.mod_revision}\n")
            sys.stdout.flush()
            if i % 3 == 2:
                kv = await store.update(kv.key, b"u", expected_revision=kv.mod_revision)
                sys.stdout.write(f"{kv.key} {kv.mod_revision}\n")
                sys.stdout.flush()
            i += 1

    await asyncio.gather(*(writer(n) for n in range(50)))

asyncio.run(main(sys.argv[1]))
"""

ACKED_BEFORE_KILL = 3000
DEADLINE = 60.0


def _acknowledged(path: Path) -> dict[str, int]:
    """Run the writer, SIGKILL it mid-stream; every key it reported, with its newest revision."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert process.stdout is not None
    lines: list[bytes] = []
    deadline = time.monotonic() + DEADLINE
    try:
        while len(lines) < ACKED_BEFORE_KILL:
            line = process.stdout.readline()
            if not line:
                raise AssertionError(f"writer exited early: {process.stderr.read().decode()[-2000:]}")
            lines.append(line)
            assert time.monotonic() < deadline, "writer too slow"
    finally:
        process.send_signal(signal.SIGKILL)
    rest, _ = process.communicate(timeout=DEADLINE)
    lines += rest.splitlines(keepends=True)
    acked: dict[str, int] = {}
    for line in lines:
        if line.endswith(b"\n"):  # a torn last line was never fully reported
            key, revision = line.decode().split()
            acked[key] = max(acked.get(key, 0), int(revision))
    return acked


async def test_sigkill_mid_stream_loses_no_acknowledged_write(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    acked = _acknowledged(path)
    assert len(acked) >= ACKED_BEFORE_KILL // 2
    store = await SqliteStore.open(path)
    try:
        stored = {kv.key: kv for kv in (await store.range("/crash/")).items}
        missing = [key for key in acked if key not in stored]
        assert missing == []
        # each key is at its acknowledged revision, or later (a write done but not yet reported)
        assert all(stored[key].mod_revision >= revision for key, revision in acked.items())
        revisions = [kv.mod_revision for kv in stored.values()]
        assert len(set(revisions)) == len(revisions)
        assert await store.current_revision() >= max(acked.values())
        # and the reopened store carries on with fresh revisions
        after = await store.create("/crash/after", b"x")
        assert after.mod_revision > max(revisions)
    finally:
        await store.close()
