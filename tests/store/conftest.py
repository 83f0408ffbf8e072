"""The `store` fixture: every contract test runs once per backend.

- sqlite: a fresh SqliteStore in the test's temporary directory.
- etcd: `etcd_store` from tests/fixtures/etcd_cluster.py, a fresh EtcdStore under a
  unique key prefix on a real etcd member (skipped locally, failed in CI, without etcd).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kube.store.protocol import Store
from kube.store.sqlite import SqliteStore
from tests.fixtures.requirements import missing

BACKENDS = ["sqlite", "etcd"]


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "state.db")
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_store")
    try:
        return request.getfixturevalue("etcd_store")
    except pytest.FixtureLookupError:
        missing("the etcd_store fixture (tests/fixtures/etcd_cluster.py)")
        raise
