"""The store contract, part 1: reads and compare-and-swap writes (every backend)."""

from __future__ import annotations

import pytest

from kube.store.errors import (
    KeyExistsError,
    KeyNotFoundError,
    RequestTooLargeError,
    RevisionMismatchError,
    StoreError,
)
from kube.store.protocol import MAX_REQUEST_BYTES, Store


async def test_get_returns_what_create_stored(store: Store) -> None:
    created = await store.create("/registry/pods/default/a", b"one")
    got = await store.get("/registry/pods/default/a")
    assert got == created
    assert got.value == b"one"
    assert got.create_revision == got.mod_revision > 0


async def test_get_of_an_absent_key_is_none(store: Store) -> None:
    assert await store.get("/registry/pods/default/nothing") is None


async def test_create_of_an_existing_key_fails_and_changes_nothing(store: Store) -> None:
    first = await store.create("/registry/pods/default/a", b"one")
    with pytest.raises(KeyExistsError):
        await store.create("/registry/pods/default/a", b"two")
    assert await store.get("/registry/pods/default/a") == first


async def test_create_after_delete_starts_a_new_life(store: Store) -> None:
    first = await store.create("/k", b"one")
    await store.delete("/k")
    again = await store.create("/k", b"two")
    assert again.create_revision > first.create_revision
    assert (await store.get("/k")).value == b"two"


async def test_update_with_the_current_revision_replaces_the_value(store: Store) -> None:
    created = await store.create("/k", b"one")
    updated = await store.update("/k", b"two", expected_revision=created.mod_revision)
    assert updated.value == b"two"
    assert updated.create_revision == created.create_revision
    assert updated.mod_revision > created.mod_revision
    assert await store.get("/k") == updated


async def test_update_with_a_stale_revision_fails_and_reports_the_current_value(store: Store) -> None:
    created = await store.create("/k", b"one")
    updated = await store.update("/k", b"two", expected_revision=created.mod_revision)
    with pytest.raises(RevisionMismatchError) as caught:
        await store.update("/k", b"three", expected_revision=created.mod_revision)
    assert caught.value.current in (None, updated)  # backends may not know the current value
    assert await store.get("/k") == updated


async def test_update_of_an_absent_key_fails(store: Store) -> None:
    with pytest.raises(KeyNotFoundError):
        await store.update("/absent", b"x", expected_revision=1)


async def test_delete_returns_the_value_it_removed(store: Store) -> None:
    created = await store.create("/k", b"one")
    deleted = await store.delete("/k")
    assert deleted == created
    assert await store.get("/k") is None


async def test_delete_with_the_right_revision_removes_the_key(store: Store) -> None:
    created = await store.create("/k", b"one")
    await store.delete("/k", expected_revision=created.mod_revision)
    assert await store.get("/k") is None


async def test_delete_with_a_stale_revision_fails_and_keeps_the_key(store: Store) -> None:
    created = await store.create("/k", b"one")
    updated = await store.update("/k", b"two", expected_revision=created.mod_revision)
    with pytest.raises(RevisionMismatchError):
        await store.delete("/k", expected_revision=created.mod_revision)
    assert await store.get("/k") == updated


async def test_delete_of_an_absent_key_fails(store: Store) -> None:
    with pytest.raises(KeyNotFoundError):
        await store.delete("/absent")
    await store.create("/k", b"x")
    await store.delete("/k")
    with pytest.raises(KeyNotFoundError):
        await store.delete("/k")


async def test_every_write_moves_the_revision_forward(store: Store) -> None:
    before = await store.current_revision()
    a = await store.create("/k", b"1")
    b = await store.update("/k", b"2", expected_revision=a.mod_revision)
    c = await store.delete("/k")
    assert before < a.mod_revision < b.mod_revision
    assert c == b
    assert await store.current_revision() > b.mod_revision


async def test_range_lists_exactly_the_keys_under_the_prefix_in_key_order(store: Store) -> None:
    for key in ["/r/pods/b", "/r/pods/a", "/r/podsx/c", "/r/pod", "/r/pods/a/sub", "/q/pods/z"]:
        await store.create(key, key.encode())
    result = await store.range("/r/pods/")
    assert [kv.key for kv in result.items] == ["/r/pods/a", "/r/pods/a/sub", "/r/pods/b"]
    assert all(kv.value == kv.key.encode() for kv in result.items)
    assert result.more is False
    assert result.revision >= max(kv.mod_revision for kv in result.items)


async def test_range_skips_deleted_keys(store: Store) -> None:
    await store.create("/r/a", b"1")
    await store.create("/r/b", b"2")
    await store.delete("/r/a")
    assert [kv.key for kv in (await store.range("/r/")).items] == ["/r/b"]


async def test_range_pages_cover_every_key_exactly_once(store: Store) -> None:
    keys = sorted(f"/r/items/{i:03d}" for i in range(23))
    for key in reversed(keys):
        await store.create(key, b"v")
    seen: list[str] = []
    after = ""
    pages = 0
    first = await store.range("/r/items/", limit=5)
    revision = first.revision
    assert first.count == len(keys)
    while True:
        page = await store.range("/r/items/", limit=5, start_after=after, revision=revision)
        pages += 1
        assert len(page.items) <= 5
        seen += [kv.key for kv in page.items]
        if not page.more:
            break
        after = page.items[-1].key
    assert seen == keys
    assert pages == 5


async def test_paging_at_a_revision_ignores_later_writes(store: Store) -> None:
    for i in range(6):
        await store.create(f"/r/{i}", b"old")
    page = await store.range("/r/", limit=3)
    await store.create("/r/5a", b"new")  # would land in the second page
    await store.delete("/r/4")
    await store.update("/r/3", b"new", expected_revision=(await store.get("/r/3")).mod_revision)
    rest = await store.range("/r/", limit=3, start_after=page.items[-1].key, revision=page.revision)
    assert [kv.key for kv in rest.items] == ["/r/3", "/r/4", "/r/5"]
    assert all(kv.value == b"old" for kv in rest.items)


async def test_range_at_an_old_revision_shows_the_values_of_then(store: Store) -> None:
    a = await store.create("/r/a", b"a1")
    await store.create("/r/b", b"b1")
    then = await store.current_revision()
    await store.update("/r/a", b"a2", expected_revision=a.mod_revision)
    await store.delete("/r/b")
    await store.create("/r/c", b"c1")
    old = await store.range("/r/", revision=then)
    assert [(kv.key, kv.value) for kv in old.items] == [("/r/a", b"a1"), ("/r/b", b"b1")]
    assert old.revision == then
    now = await store.range("/r/")
    assert [(kv.key, kv.value) for kv in now.items] == [("/r/a", b"a2"), ("/r/c", b"c1")]


async def test_range_at_a_future_revision_fails(store: Store) -> None:
    await store.create("/r/a", b"1")
    with pytest.raises(StoreError):
        await store.range("/r/", revision=await store.current_revision() + 1000)


async def test_range_count_counts_the_whole_range_despite_the_limit(store: Store) -> None:
    for i in range(7):
        await store.create(f"/r/{i}", b"v")
    page = await store.range("/r/", limit=2)
    assert len(page.items) == 2 and page.more
    assert page.count == 7


async def test_an_oversized_value_is_refused_with_its_own_error(store: Store) -> None:
    with pytest.raises(RequestTooLargeError):
        await store.create("/big", b"x" * (MAX_REQUEST_BYTES + 1))
    assert await store.get("/big") is None
    small = await store.create("/big", b"x")
    with pytest.raises(RequestTooLargeError):
        await store.update("/big", b"x" * (MAX_REQUEST_BYTES + 1), expected_revision=small.mod_revision)
    assert await store.get("/big") == small


async def test_a_large_value_under_the_limit_round_trips(store: Store) -> None:
    value = bytes(range(256)) * 4000  # ~1 MB
    await store.create("/large", value)
    assert (await store.get("/large")).value == value
