"""The SQLite store on a full file system (an 8 MB tmpfs): every write that cannot be
stored gets a clear 5xx Status at once (no hang, no traceback), reads keep working,
nothing already stored is lost or corrupted (`PRAGMA integrity_check`, and every object
read back after a restart), and writes work again as soon as space returns.

Needs root to mount the tmpfs; skipped without it, failed under CI=true."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.chaos.official_client import Servers
from tests.chaos.record import RECORD
from tests.chaos.supervisor import ChaosCluster
from tests.fixtures.requirements import missing

pytestmark = [pytest.mark.chaos, pytest.mark.slow]
NAMESPACE = "fill"
ANSWER_WITHIN = (3.0, 10.0)  # connect, read: a write on a full disk must be answered, not hang
BLOB = "x" * 200_000  # ConfigMap data per write: the disk fills in a few dozen writes


@contextlib.contextmanager
def tmpfs(directory: Path, size: str = "8m") -> Iterator[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(directory)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        missing(f"mounting a tmpfs ({mounted.stderr.strip() or 'mount failed'})")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def fill(path: Path) -> int:
    """Write path until the file system is full; the bytes written."""
    written = 0
    with open(path, "wb") as f:
        chunk = b"\0" * 65536
        while True:
            try:
                f.write(chunk)
                f.flush()
                written += len(chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
                with contextlib.suppress(OSError):
                    f.truncate(written)  # keep what was written; the close must not fail
                return written


def configmap(name: str, data: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data={"blob": data})


def status_of(error: ApiException) -> dict:
    body = json.loads(error.body)
    assert body.get("kind") == "Status" and body.get("status") == "Failure", body
    return body


@pytest.mark.timeout(300)
def test_a_full_disk_gives_5xx_statuses_keeps_what_was_stored_and_recovers(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small") as small:
        cluster = ChaosCluster(tmp_path / "cluster", store=f"sqlite:{small / 'state.db'}")
        servers = Servers(str(cluster.kubeconfig), cluster.urls)
        try:
            cluster.start("apiserver")
            core = servers.core
            core.create_namespace({"metadata": {"name": NAMESPACE}})
            kept = {f"before-{i}": f"value-{i}" for i in range(20)}
            for name, value in kept.items():
                core.create_namespaced_config_map(NAMESPACE, configmap(name, value))

            filler = small / "filler"
            fill(filler)
            refused, started = [], time.monotonic()
            for i in range(200):  # the WAL may still have room for a few: write until refused
                name = f"during-{i}"
                began = time.monotonic()
                try:
                    core.create_namespaced_config_map(NAMESPACE, configmap(name, BLOB), _request_timeout=ANSWER_WITHIN)
                    kept[name] = BLOB  # acknowledged: it must survive too
                except ApiException as error:
                    assert error.status >= 500, f"{error.status}: {error.body}"
                    body = status_of(error)
                    assert body["code"] == error.status and body.get("message"), body
                    assert "Traceback" not in error.body
                    assert "full" in body["message"], body  # the cause is named, not just an error class
                    refused.append((error.status, body.get("reason"), body["message"], time.monotonic() - began))
                    if len(refused) >= 5:
                        break
            assert len(refused) >= 5, f"the disk never filled ({time.monotonic() - started:.0f}s of writes)"
            answers = sorted({f"{s} {r}: {m}" for s, r, m, _ in refused})
            note = (f"sqlite on a full 8 MB tmpfs: {len(refused)} writes refused within "
                                f"{max(t for *_, t in refused):.2f}s each with {answers}; {len(kept)} stored "
                                "objects intact (integrity_check ok), writes back once space returned")
            assert max(t for *_, t in refused) < 10

            # reads still answer, and what was stored is all there
            for name in list(kept)[:20]:
                assert core.read_namespaced_config_map(name, NAMESPACE).data == {"blob": kept[name]}
            with urllib_ok(cluster, "/healthz"):
                pass

            os.unlink(filler)  # space returns
            deadline = time.monotonic() + 60
            while True:
                try:
                    core.create_namespaced_config_map(NAMESPACE, configmap("after", "back"),
                                                      _request_timeout=ANSWER_WITHIN)
                    break
                except ApiException as error:
                    assert error.status >= 500 and time.monotonic() < deadline, error.body
                    time.sleep(0.5)
            kept["after"] = "back"
            core.patch_namespaced_config_map("before-0", NAMESPACE, {"data": {"blob": "patched"}})
            kept["before-0"] = "patched"

            cluster.kill("apiserver")
            with sqlite3.connect(small / "state.db") as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            cluster.start("apiserver")
            stored = {c.metadata.name: c.data["blob"] for c in core.list_namespaced_config_map(NAMESPACE).items}
            assert stored == kept
            RECORD.notes.append(note)
        finally:
            servers.close()
            cluster.stop_all()


@contextlib.contextmanager
def urllib_ok(cluster: ChaosCluster, path: str) -> Iterator[None]:
    """The API server answers path with 200 (its health endpoints need no credentials)."""
    import ssl
    import urllib.request

    ctx = ssl.create_default_context(cafile=cluster.ca_file)
    with urllib.request.urlopen(cluster.urls[0] + path, context=ctx, timeout=5) as resp:
        assert resp.status == 200
    yield
