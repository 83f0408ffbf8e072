"""Property: the revision log answers every read exactly as a model of versioned dicts does,
before and after compaction."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kube.store.errors import KeyNotFoundError, StoreError
from kube.store.sqlite import SqliteStore

KEYS = ["/a", "/a/1", "/a/2", "/ab", "/b/1"]
ops = st.lists(st.tuples(st.sampled_from(["put", "delete"]), st.sampled_from(KEYS), st.binary(max_size=3)),
               min_size=1, max_size=25)


async def _check(history: list[tuple[str, str, bytes]], compact_fraction: float, prefix: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        store = await SqliteStore.open(Path(directory) / "s.db")
        try:
            model: dict[str, bytes] = {}
            snapshots: dict[int, dict[str, bytes]] = {0: {}}
            for action, key, value in history:
                current = await store.get(key)
                if action == "put" and current is None:
                    await store.create(key, value)
                    model[key] = value
                elif action == "put":
                    await store.update(key, value, expected_revision=current.mod_revision)
                    model[key] = value
                elif current is not None:
                    await store.delete(key)
                    del model[key]
                else:
                    try:
                        await store.delete(key)
                    except KeyNotFoundError:
                        continue
                    raise AssertionError("deleting an absent key succeeded")
                snapshots[await store.current_revision()] = dict(model)
            newest = await store.current_revision()
            compact_to = int(newest * compact_fraction)
            if compact_to > 0:
                await store.compact(compact_to)
            for revision in range(max(compact_to, 1), newest + 1):
                expected = snapshots[max(r for r in snapshots if r <= revision)]
                result = await store.range(prefix, revision=revision)
                assert {kv.key: kv.value for kv in result.items} == {
                    k: v for k, v in expected.items() if k.startswith(prefix)
                }
            if compact_to > 1:
                try:
                    await store.range(prefix, revision=compact_to - 1)
                    raise AssertionError("a range below the compacted revision succeeded")
                except StoreError:
                    pass
            assert {kv.key: kv.value for kv in (await store.range("")).items} == model
        finally:
            await store.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops, st.floats(min_value=0, max_value=1), st.sampled_from(["", "/a", "/a/", "/b"]))
def test_reads_at_every_kept_revision_match_the_model(
    history: list[tuple[str, str, bytes]], compact_fraction: float, prefix: str
) -> None:
    asyncio.run(_check(history, compact_fraction, prefix))

