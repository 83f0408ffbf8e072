"""etcd-specific behaviour of EtcdStore that the shared contract suite cannot see:
key prefixes, endpoint parsing, failover with retried writes, compaction lookup."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.store.errors import CompactedError, KeyExistsError, RevisionMismatchError
from kube.store.etcd import EtcdStore
from kube.store.etcd.endpoints import MemberPool, TlsFiles, parse_endpoint
from kube.store.etcd.keyspace import ALL_KEYS_FROM, KeySpace, prefix_range_end
from tests.conftest import free_port


@given(st.binary(min_size=1, max_size=8), st.binary(max_size=10))
def test_prefix_range_end_bounds_exactly_the_keys_with_the_prefix(prefix: bytes, key: bytes) -> None:
    end = prefix_range_end(prefix)
    if end == ALL_KEYS_FROM:  # "every key from prefix on": only right when nothing follows the prefix
        assert set(prefix) == {0xFF}
    else:
        assert key.startswith(prefix) == (prefix <= key < end)


@given(st.text(max_size=12), st.text(min_size=1, max_size=20))
def test_keyspace_round_trips_keys_under_its_prefix(prefix: str, key: str) -> None:
    keys = KeySpace(prefix)
    raw = keys.encode(key)
    assert raw.startswith(prefix.encode())
    assert keys.decode(raw) == key


@given(st.text(min_size=1, max_size=6), st.text(max_size=6), st.text(max_size=8))
def test_prefix_bounds_keep_only_keys_after_the_continue_key(store_prefix: str, prefix: str, after: str) -> None:
    keys = KeySpace(store_prefix)
    low, end = keys.prefix_bounds(prefix, after)
    for candidate in (prefix, prefix + "a", prefix + "\U0010ffff", after, after + "\x00", after + "b"):
        if not candidate:
            continue
        raw = keys.encode(candidate)
        inside = low <= raw < end
        wanted = candidate.startswith(prefix) and (not after or candidate > after)
        assert inside == wanted, candidate


def test_parse_endpoint_accepts_urls_and_bare_addresses() -> None:
    assert parse_endpoint("http://127.0.0.1:2379") == ("127.0.0.1:2379", False)
    assert parse_endpoint("https://127.0.0.1:2379") == ("127.0.0.1:2379", True)
    assert parse_endpoint("127.0.0.1:2379") == ("127.0.0.1:2379", None)


@pytest.mark.parametrize("bad", ["ftp://127.0.0.1:2379", "http://127.0.0.1", "https://:2379"])
def test_parse_endpoint_rejects_bad_urls_with_a_clear_message(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid etcd endpoint"):
        parse_endpoint(bad)


async def test_pool_needs_both_certificate_and_key() -> None:
    with pytest.raises(ValueError, match="together"):
        MemberPool(["https://127.0.0.1:1"], TlsFiles(cert_file="/nonexistent.crt"))


@pytest.mark.etcd
async def test_stores_with_different_prefixes_do_not_see_each_other(etcd_server: str) -> None:
    a = await EtcdStore.connect([etcd_server], prefix=f"/a-{uuid.uuid4().hex}")
    b = await EtcdStore.connect([etcd_server], prefix=f"/b-{uuid.uuid4().hex}")
    try:
        watch = b.watch("")
        await a.create("/registry/pods/x", b"a")
        mine = await b.create("/registry/pods/x", b"b")
        assert [kv.value for kv in (await a.range("")).items] == [b"a"]
        assert [kv.value for kv in (await b.range("/registry/")).items] == [b"b"]
        event = await asyncio.wait_for(watch.__anext__(), 30)
        assert (event.kv.key, event.kv.value, event.revision) == ("/registry/pods/x", b"b", mine.mod_revision)
        await watch.cancel()
    finally:
        await a.close()
        await b.close()


def _store_behind_a_dead_member(live: str, prefix: str) -> EtcdStore:
    """The first endpoint refuses connections, so every call fails over once: the retry
    on the live member is 'uncertain' (the first attempt might have been applied)."""
    pool = MemberPool([f"http://127.0.0.1:{free_port()}", live], TlsFiles())
    return EtcdStore(pool, KeySpace(prefix), timeout=2.0, retry_window=10.0)


@pytest.mark.etcd
async def test_retried_create_recognises_its_own_earlier_attempt(etcd_server: str) -> None:
    prefix = f"/retry-{uuid.uuid4().hex}"
    direct = await EtcdStore.connect([etcd_server], prefix=prefix)
    try:
        applied = await direct.create("/mine", b"payload")  # as if the first attempt had gone through
        retried = _store_behind_a_dead_member(etcd_server, prefix)
        assert await retried.create("/mine", b"payload") == applied
        await retried.close()

        await direct.create("/theirs", b"someone else's")
        retried = _store_behind_a_dead_member(etcd_server, prefix)
        with pytest.raises(KeyExistsError):
            await retried.create("/theirs", b"payload")
        await retried.close()
    finally:
        await direct.close()


@pytest.mark.etcd
async def test_retried_update_recognises_its_own_earlier_attempt(etcd_server: str) -> None:
    prefix = f"/retry-{uuid.uuid4().hex}"
    direct = await EtcdStore.connect([etcd_server], prefix=prefix)
    try:
        old = await direct.create("/obj", b"v1")
        applied = await direct.update("/obj", b"v2", expected_revision=old.mod_revision)
        retried = _store_behind_a_dead_member(etcd_server, prefix)
        assert await retried.update("/obj", b"v2", expected_revision=old.mod_revision) == applied
        with pytest.raises(RevisionMismatchError) as lost:
            await retried.update("/obj", b"v3", expected_revision=old.mod_revision)
        assert lost.value.current == applied
        await retried.close()
    finally:
        await direct.close()


@pytest.mark.etcd
async def test_compacted_revision_is_found_and_reported_with_the_error(etcd_store: EtcdStore) -> None:
    written = [await etcd_store.create(f"/c/{i}", b"x") for i in range(5)]
    target = written[3].mod_revision
    await etcd_store.compact(target)
    assert await etcd_store.compacted_revision() >= target  # other tests share this etcd
    compacted = await etcd_store.compacted_revision()
    with pytest.raises(CompactedError) as error:
        await etcd_store.range("/c/", revision=written[0].mod_revision)
    assert error.value.compact_revision == compacted
    listed = await etcd_store.range("/c/", revision=compacted)
    assert listed.revision == compacted
    await etcd_store.compact(written[0].mod_revision)  # already compacted past it: a no-op
