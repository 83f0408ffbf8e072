"""EtcdStore: the store protocol on etcd v3 (gRPC, several endpoints, TLS, key prefix).

Writes are single etcd transactions: create compares create_revision == 0,
update and delete compare mod_revision == expected (and that the key exists),
so compare-and-swap happens inside etcd, never as read-then-write here.

Failover and retried writes: a call that fails with UNAVAILABLE or
DEADLINE_EXCEEDED is retried on the next member (failover.py). Reads,
compaction and lease calls are idempotent. A write whose first attempt may
have been applied is recognised on retry from the transaction's failure branch,
which returns the key as it is now: a create or update that finds exactly its
own value and lease in place (for create: never modified since) reports
success instead of KeyExistsError / RevisionMismatchError. A retried delete
that finds the key gone reports KeyNotFoundError (its own earlier attempt or
another writer's cannot be told apart; Kubernetes treats both as "deleted").
"""

from __future__ import annotations

import weakref

from kube.store.errors import (
    CompactedError,
    KeyExistsError,
    KeyNotFoundError,
    RequestTooLargeError,
    RevisionMismatchError,
    StoreError,
)
from kube.store.etcd.endpoints import Member, MemberPool, TlsFiles
from kube.store.etcd.failover import Failover
from kube.store.etcd.keyspace import ALL_KEYS_FROM, KeySpace
from kube.store.etcd.proto import etcd_rpc_pb2 as pb
from kube.store.etcd.watch import EtcdWatch
from kube.store.protocol import MAX_REQUEST_BYTES, KeyValue, RangeResult

_MOD = pb.Compare.MOD
_CREATE = pb.Compare.CREATE
_EQUAL = pb.Compare.EQUAL
_GREATER = pb.Compare.GREATER
PROBE_KEY = ALL_KEYS_FROM  # a key nobody writes: reading it costs nothing and tells the revision


class EtcdStore:
    def __init__(self, pool: MemberPool, keys: KeySpace, timeout: float, retry_window: float) -> None:
        self._pool = pool
        self._keys = keys
        self._timeout = timeout
        self._retry_window = retry_window
        self._failover = Failover(pool, retry_window)
        self._seen_revision = 0  # the newest revision any response carried
        self._watches: weakref.WeakSet[EtcdWatch] = weakref.WeakSet()  # cancelled on close

    @classmethod
    async def connect(
        cls,
        endpoints: list[str],
        *,
        ca_file: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
        prefix: str = "",
        timeout: float = 5.0,
        retry_window: float | None = None,
    ) -> EtcdStore:
        """Open channels to every endpoint and check one answers (UnavailableError if none does).

        timeout bounds each attempt; retry_window (default 3 x timeout) bounds a call's
        failover retries."""
        pool = MemberPool(endpoints, TlsFiles(ca_file, cert_file, key_file))
        store = cls(pool, KeySpace(prefix), timeout, retry_window if retry_window is not None else 3 * timeout)
        try:
            await store.current_revision()
        except BaseException:
            await store.close()
            raise
        return store

    @property
    def endpoints(self) -> list[str]:
        return [member.endpoint for member in self._pool.members]

    @property
    def current_endpoint(self) -> str:
        """The member calls go to now (it changes on failover)."""
        return self._pool.current().endpoint

    def _saw(self, header: pb.ResponseHeader) -> int:
        self._seen_revision = max(self._seen_revision, header.revision)
        return header.revision

    async def _txn(self, request: pb.TxnRequest, member: Member) -> pb.TxnResponse:
        response = await member.kv.Txn(request, timeout=self._timeout)
        self._saw(response.header)
        return response

    def _check_size(self, key: bytes, value: bytes) -> None:
        if len(key) + len(value) > MAX_REQUEST_BYTES:
            raise RequestTooLargeError(
                f"etcdserver: request is too large: key and value are {len(key) + len(value)} bytes, "
                f"over the {MAX_REQUEST_BYTES} byte limit"
            )

    async def get(self, key: str) -> KeyValue | None:
        raw = self._keys.encode(key)

        async def read(member: Member, _uncertain: bool) -> KeyValue | None:
            response = await member.kv.Range(pb.RangeRequest(key=raw), timeout=self._timeout)
            self._saw(response.header)
            return self._keys.to_key_value(response.kvs[0]) if response.kvs else None

        return await self._failover.run(read, what="get")

    async def range(
        self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0
    ) -> RangeResult:
        low, end = self._keys.prefix_bounds(prefix, start_after)
        request = pb.RangeRequest(key=low, range_end=end, limit=max(limit, 0), revision=max(revision, 0))

        async def read(member: Member, _uncertain: bool) -> pb.RangeResponse:
            response = await member.kv.Range(request, timeout=self._timeout)
            self._saw(response.header)
            return response

        try:
            response = await self._failover.run(read, what="range")
        except CompactedError as error:
            compacted = await self.compacted_revision()
            raise CompactedError(
                f"revision {revision} has been compacted (compacted revision {compacted})", compacted
            ) from error
        return RangeResult(
            items=[self._keys.to_key_value(kv) for kv in response.kvs],
            revision=revision if revision > 0 else response.header.revision,
            more=response.more,
            count=response.count,
        )

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> KeyValue:
        raw = self._keys.encode(key)
        self._check_size(raw, value)
        request = pb.TxnRequest(
            compare=[pb.Compare(target=_CREATE, result=_EQUAL, key=raw, create_revision=0)],
            success=[pb.RequestOp(request_put=pb.PutRequest(key=raw, value=value, lease=lease))],
            failure=[pb.RequestOp(request_range=pb.RangeRequest(key=raw))],
        )

        async def write(member: Member, uncertain: bool) -> KeyValue:
            response = await self._txn(request, member)
            revision = response.header.revision
            if response.succeeded:
                return KeyValue(key, value, create_revision=revision, mod_revision=revision, lease=lease)
            current = self._current_from(response)
            if (
                uncertain
                and current is not None
                and (current.value, current.lease) == (value, lease)
                and current.create_revision == current.mod_revision
            ):
                return current  # our own earlier attempt went through
            raise KeyExistsError(f"key {key!r} already exists")

        return await self._failover.run(write, what="create")

    async def update(self, key: str, value: bytes, *, expected_revision: int, lease: int = 0) -> KeyValue:
        raw = self._keys.encode(key)
        self._check_size(raw, value)
        request = pb.TxnRequest(
            compare=[
                pb.Compare(target=_CREATE, result=_GREATER, key=raw, create_revision=0),
                pb.Compare(target=_MOD, result=_EQUAL, key=raw, mod_revision=expected_revision),
            ],
            success=[
                pb.RequestOp(request_put=pb.PutRequest(key=raw, value=value, lease=lease)),
                pb.RequestOp(request_range=pb.RangeRequest(key=raw, keys_only=True)),
            ],
            failure=[pb.RequestOp(request_range=pb.RangeRequest(key=raw))],
        )

        async def write(member: Member, uncertain: bool) -> KeyValue:
            response = await self._txn(request, member)
            if response.succeeded:
                stored = response.responses[1].response_range.kvs[0]
                return KeyValue(key, value, stored.create_revision, stored.mod_revision, stored.lease)
            current = self._current_from(response)
            if current is None:
                raise KeyNotFoundError(f"key {key!r} not found")
            if (
                uncertain
                and (current.value, current.lease) == (value, lease)
                and current.mod_revision > expected_revision
            ):
                return current  # our own earlier attempt went through
            raise RevisionMismatchError(
                f"key {key!r}: expected revision {expected_revision}, found {current.mod_revision}", current
            )

        return await self._failover.run(write, what="update")

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        raw = self._keys.encode(key)
        compare = [pb.Compare(target=_CREATE, result=_GREATER, key=raw, create_revision=0)]
        if expected_revision > 0:
            compare.append(pb.Compare(target=_MOD, result=_EQUAL, key=raw, mod_revision=expected_revision))
        request = pb.TxnRequest(
            compare=compare,
            success=[pb.RequestOp(request_delete_range=pb.DeleteRangeRequest(key=raw, prev_kv=True))],
            failure=[pb.RequestOp(request_range=pb.RangeRequest(key=raw))],
        )

        async def write(member: Member, _uncertain: bool) -> KeyValue:
            response = await self._txn(request, member)
            if response.succeeded:
                deleted = response.responses[0].response_delete_range
                if deleted.prev_kvs:
                    return self._keys.to_key_value(deleted.prev_kvs[0])
                raise KeyNotFoundError(f"key {key!r} not found")
            current = self._current_from(response)
            if current is None:
                raise KeyNotFoundError(f"key {key!r} not found")
            raise RevisionMismatchError(
                f"key {key!r}: expected revision {expected_revision}, found {current.mod_revision}", current
            )

        return await self._failover.run(write, what="delete")

    def _current_from(self, response: pb.TxnResponse) -> KeyValue | None:
        """The key as the failure branch's range read it (None if absent)."""
        kvs = response.responses[0].response_range.kvs
        return self._keys.to_key_value(kvs[0]) if kvs else None

    def watch(self, prefix: str, *, start_revision: int = 0) -> EtcdWatch:
        """Start watching now. With start_revision 0 the watch starts right after the newest
        revision this client has seen, so a write this client makes after calling watch()
        is always delivered, even if the stream is not yet open."""
        from_now = start_revision <= 0
        start = self._seen_revision + 1 if from_now and self._seen_revision else max(start_revision, 0)
        watch = EtcdWatch(self._pool, self._keys, prefix, start, self._retry_window, from_now=from_now)
        self._watches.add(watch)
        return watch

    async def current_revision(self) -> int:
        async def read(member: Member, _uncertain: bool) -> int:
            response = await member.kv.Range(pb.RangeRequest(key=PROBE_KEY), timeout=self._timeout)
            return self._saw(response.header)

        return await self._failover.run(read, what="current revision")

    async def compact(self, revision: int) -> None:
        async def run(member: Member, _uncertain: bool) -> None:
            response = await member.kv.Compact(
                pb.CompactionRequest(revision=revision, physical=True), timeout=self._timeout
            )
            self._saw(response.header)

        try:
            await self._failover.run(run, what="compact")
        except CompactedError:
            pass  # already compacted at or past revision: nothing left to forget

    async def _readable_at(self, revision: int) -> bool:
        async def read(member: Member, _uncertain: bool) -> bool:
            request = pb.RangeRequest(key=PROBE_KEY, revision=revision, serializable=True)
            await member.kv.Range(request, timeout=self._timeout)
            return True

        try:
            return await self._failover.run(read, what="compacted revision")
        except CompactedError:
            return False

    async def compacted_revision(self) -> int:
        """etcd does not report it (before 3.6), so find the oldest readable revision by
        bisection: about log2(current revision) cheap reads."""
        current = await self.current_revision()
        if current <= 1 or await self._readable_at(1):
            return 0
        unreadable, readable = 1, current  # the current revision is never compacted away
        while readable - unreadable > 1:
            middle = (unreadable + readable) // 2
            if await self._readable_at(middle):
                readable = middle
            else:
                unreadable = middle
        return readable

    async def grant_lease(self, ttl_seconds: int) -> int:
        async def grant(member: Member, _uncertain: bool) -> int:
            response = await member.lease.LeaseGrant(pb.LeaseGrantRequest(TTL=ttl_seconds), timeout=self._timeout)
            if response.error:
                raise StoreError(f"etcd: lease grant: {response.error}")
            return response.ID

        return await self._failover.run(grant, what="lease grant")

    async def keepalive_lease(self, lease_id: int) -> None:
        async def keepalive(member: Member, _uncertain: bool) -> int:
            call = member.lease.LeaseKeepAlive(timeout=self._timeout)
            try:
                await call.write(pb.LeaseKeepAliveRequest(ID=lease_id))
                response = await call.read()
            finally:
                call.cancel()
            return response.TTL if isinstance(response, pb.LeaseKeepAliveResponse) else 0

        if await self._failover.run(keepalive, what="lease keepalive") <= 0:
            raise KeyNotFoundError(f"lease {lease_id} not found (expired or revoked)")

    async def revoke_lease(self, lease_id: int) -> None:
        async def revoke(member: Member, _uncertain: bool) -> None:
            response = await member.lease.LeaseRevoke(pb.LeaseRevokeRequest(ID=lease_id), timeout=self._timeout)
            self._saw(response.header)

        await self._failover.run(revoke, what="lease revoke")

    async def close(self) -> None:
        for watch in list(self._watches):
            await watch.cancel()
        await self._pool.close()
