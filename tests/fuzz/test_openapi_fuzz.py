"""schemathesis against the API server's own /openapi/v3 documents, on a real `kube apiserver`
process over SQLite: no 5xx, no hang, /healthz answered throughout, and nothing written by a 4xx
(the SQLite revision log must not grow across a rejected mutating request)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.apiserver.conftest import ADMIN_TOKEN, ServerProcess, ca_file
from tests.fuzz.budget import api_examples

pytestmark = pytest.mark.fuzz

REQUEST_TIMEOUT = 10.0
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def _session(ca: str) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would override verify
    s.verify = ca
    s.headers.update(AUTH)
    return s


class HealthProber(threading.Thread):
    """Asks /healthz every 0.2 s while the fuzzer runs; records every miss and the slowest answer."""

    def __init__(self, url: str, ca: str) -> None:
        super().__init__(daemon=True)
        self.url, self.session = url + "/healthz", _session(ca)
        self.misses: list[str] = []
        self.slowest = 0.0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.2):
            start = time.monotonic()
            try:
                code = self.session.get(self.url, timeout=2.0).status_code
                if code != 200:
                    self.misses.append(f"healthz {code}")
            except requests.RequestException as exc:
                self.misses.append(f"healthz {type(exc).__name__}")
            self.slowest = max(self.slowest, time.monotonic() - start)


def _revision(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM log").fetchone()[0]


@pytest.fixture(scope="module")
def fuzz_server(pki_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(pki_dir, tmp_path_factory.mktemp("fuzz-apiserver"))
    proc.start()
    yield proc
    proc.stop()


def _operations(server: ServerProcess, session: requests.Session) -> list[Any]:
    root = session.get(server.url + "/openapi/v3", timeout=REQUEST_TIMEOUT).json()
    ops = []
    for entry in root["paths"].values():
        doc = session.get(server.url + entry["serverRelativeURL"], timeout=REQUEST_TIMEOUT).json()
        ops += [result.ok() for result in schemathesis.openapi.from_dict(doc).get_all_operations()]
    return ops


def _call(server: ServerProcess, session: requests.Session, db: Path, case: Any) -> str | None:
    """Send one case; the problem it shows, or None."""
    kwargs = case.as_transport_kwargs(base_url=server.url, headers=AUTH)
    kwargs.pop("verify", None)
    method = kwargs["method"].upper()
    query = kwargs.get("params") or {}
    streams = str(query.get("watch", "")).lower() in ("true", "1") or str(query.get("follow", "")).lower() == "true"
    before = _revision(db)
    start = time.monotonic()
    try:
        resp = session.request(**kwargs, timeout=REQUEST_TIMEOUT, stream=True)
        body = b"" if streams else resp.content
        resp.close()
    except requests.RequestException as exc:
        return f"{method} {kwargs['url']} {query}: {type(exc).__name__} (hang or dropped connection)"
    elapsed = time.monotonic() - start
    where = f"{method} {kwargs['url']} {query} body={str(kwargs.get('json', kwargs.get('data')))[:200]}"
    if resp.status_code >= 500 and b"Too large resource version" not in body:  # Kubernetes' own 504 for a future RV
        return f"{where}: {resp.status_code} {body[:300]!r}"
    if elapsed > REQUEST_TIMEOUT:
        return f"{where}: took {elapsed:.1f}s"
    if method in MUTATING and 400 <= resp.status_code < 500 and _revision(db) != before:
        return f"{where}: {resp.status_code} yet the store moved from revision {before} to {_revision(db)}"
    return None


def test_no_operation_answers_5xx_hangs_or_writes_on_4xx(fuzz_server: ServerProcess, pki_dir: Path) -> None:
    ca = ca_file(pki_dir)
    session = _session(ca)
    db = fuzz_server.state_dir / "state.db"
    operations = _operations(fuzz_server, session)
    assert len(operations) > 100, "the documents lost their paths"
    prober = HealthProber(fuzz_server.url, ca)
    prober.start()
    problems: list[str] = []
    calls = [0]
    try:
        for operation in operations:
            label = operation.label

            @settings(max_examples=api_examples(), deadline=None, database=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def fuzz(case: Any) -> None:
                calls[0] += 1
                problem = _call(fuzz_server, session, db, case)
                if problem:
                    problems.append(f"{label}: {problem}")  # noqa: B023 - run before the loop moves on

            fuzz()
    finally:
        prober.stopping.set()
        prober.join()
    assert calls[0] >= len(operations)
    assert not problems, "\n".join(problems[:20])
    assert not prober.misses, prober.misses[:10]
    assert prober.slowest < 2.0
