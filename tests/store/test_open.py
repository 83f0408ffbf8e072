"""open_store: one string picks and opens the backend."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kube.store.open import open_store
from kube.store.protocol import Store
from kube.store.sqlite import SqliteStore


async def test_sqlite_url_opens_a_private_sqlite_store_creating_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "cluster" / "state.db"
    store = await open_store(f"sqlite:{path}")
    try:
        assert isinstance(store, SqliteStore) and isinstance(store, Store)
        await store.create("/k", b"v")
    finally:
        await store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize("url", ["", "sqlite:", "mysql://x", "etcd:", "etcd:,"])
async def test_bad_urls_fail_with_one_clear_line(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        await open_store(url)
    assert "\n" not in str(caught.value)


async def test_tls_options_do_not_apply_to_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not apply"):
        await open_store(f"sqlite:{tmp_path / 's.db'}", ca_file="/ca.pem")


async def test_etcd_url_opens_an_etcd_store(etcd_server: str) -> None:
    store = await open_store(f"etcd:{etcd_server}", prefix="/open-test", cafile=None)
    try:
        created = await store.create("/k", b"v")
        assert (await store.get("/k")) == created
    finally:
        await store.close()


async def test_a_list_of_endpoints_opens_an_etcd_store(etcd_server: str) -> None:
    store = await open_store([etcd_server], prefix="/open-test-list")
    try:
        assert await store.current_revision() > 0
    finally:
        await store.close()
