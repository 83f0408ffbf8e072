"""A watch over etcd's bidirectional Watch stream that survives member failures.

A background task owns the stream and feeds a bounded queue (back-pressure
reaches etcd through gRPC flow control). When the member goes away the task
opens a new stream on the next member from the last delivered revision + 1,
so every change still arrives exactly once and in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc

from kube.store.errors import CompactedError, StoreError, UnavailableError
from kube.store.etcd.endpoints import Member, MemberPool
from kube.store.etcd.failover import tls_hint
from kube.store.etcd.keyspace import KeySpace
from kube.store.etcd.proto import etcd_rpc_pb2 as pb
from kube.store.etcd.proto import kv_pb2
from kube.store.etcd.rpc_errors import describe, is_retryable, translate
from kube.store.protocol import WatchEvent

QUEUE_SIZE = 1024


class _StreamClosed(Exception):
    """etcd ended the stream without an error: reconnect like after a failure."""


class _RestartFromNow(Exception):
    """A watch 'from now' guessed a start revision that is already compacted: start at etcd's now."""


_END = object()  # queued after the last event


class EtcdWatch:
    def __init__(
        self,
        pool: MemberPool,
        keys: KeySpace,
        prefix: str,
        start_revision: int,
        retry_window: float,
        *,
        from_now: bool = False,
    ) -> None:
        self._pool = pool
        self._keys = keys
        self._low, self._end = keys.prefix_bounds(prefix)
        self._next_revision = start_revision  # 0: from whatever etcd calls now
        self._retry_window = retry_window
        self._from_now = from_now  # start_revision is only a guess at "now" (see EtcdStore.watch)
        self._queue: asyncio.Queue[object] = asyncio.Queue(QUEUE_SIZE)
        self._cancelled = False
        self._finished = False
        self._call: grpc.aio.StreamStreamCall | None = None
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"etcd-watch {prefix}")

    def __aiter__(self) -> AsyncIterator[WatchEvent]:
        return self

    async def __anext__(self) -> WatchEvent:
        if self._cancelled or self._finished:
            raise StopAsyncIteration
        item = await self._queue.get()
        if self._cancelled:
            raise StopAsyncIteration
        if item is _END:
            self._finished = True
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            self._finished = True
            raise item
        assert isinstance(item, WatchEvent)
        return item

    async def cancel(self) -> None:
        if self._cancelled:
            return
        self._cancelled = True
        if self._call is not None:
            self._call.cancel()
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, Exception):  # noqa: S110 - the watch is over either way
            pass
        # wake a reader blocked in __anext__
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_END)

    async def _run(self) -> None:
        try:
            await self._stream_with_failover()
        except asyncio.CancelledError:
            raise
        except StoreError as error:
            await self._queue.put(error)
        except Exception as error:  # never leave the reader waiting forever
            await self._queue.put(StoreError(f"etcd watch failed: {error!r}"))

    async def _stream_with_failover(self) -> None:
        loop = asyncio.get_running_loop()
        pause = 0.05
        deadline = loop.time() + self._retry_window
        failures: dict[str, str] = {}
        attempts = 0
        while not self._cancelled:
            member = self._pool.current()
            delivered_before = self._next_revision
            try:
                await self._stream(member)
                return
            except grpc.aio.AioRpcError as error:
                if self._cancelled:
                    return
                if not is_retryable(error):
                    raise translate(error) from None
                failures[member.endpoint] = describe(error)
                self._pool.advance(member)
            except _RestartFromNow:
                self._next_revision, self._from_now = 0, False
                continue
            except _StreamClosed:
                failures[member.endpoint] = "watch stream closed"
                self._pool.advance(member)
            if self._next_revision != delivered_before:  # made progress: a fresh retry budget
                deadline, pause, attempts = loop.time() + self._retry_window, 0.05, 0
            attempts += 1
            if attempts % len(self._pool) == 0:
                if loop.time() + pause >= deadline:
                    detail = "; ".join(f"{e}: {r}" for e, r in failures.items())
                    raise UnavailableError(f"etcd watch: no endpoint answered ({detail}){tls_hint(detail)}")
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)

    async def _stream(self, member: Member) -> None:
        call = member.watch.Watch()
        self._call = call
        try:
            create = pb.WatchCreateRequest(
                key=self._low, range_end=self._end, start_revision=self._next_revision, prev_kv=True
            )
            await call.write(pb.WatchRequest(create_request=create))
            while True:
                response = await call.read()
                if response is grpc.aio.EOF:
                    raise _StreamClosed()
                if response.compact_revision and self._from_now:
                    raise _RestartFromNow()
                if response.compact_revision:
                    raise CompactedError(
                        f"etcd: watch from revision {self._next_revision}: required revision has been "
                        f"compacted (compacted revision {response.compact_revision})",
                        response.compact_revision,
                    )
                if response.canceled:
                    raise StoreError(f"etcd cancelled the watch: {response.cancel_reason or 'no reason given'}")
                if response.created and self._next_revision == 0:
                    self._next_revision = response.header.revision + 1
                for event in response.events:
                    self._from_now = False
                    await self._queue.put(self._to_event(event))
                    self._next_revision = event.kv.mod_revision + 1
        finally:
            call.cancel()  # a no-op when the stream already ended

    def _to_event(self, event: kv_pb2.Event) -> WatchEvent:
        prev = self._keys.to_key_value(event.prev_kv) if event.HasField("prev_kv") else None
        kv = self._keys.to_key_value(event.kv)
        if event.type == kv_pb2.Event.DELETE:
            return WatchEvent("DELETE", kv, prev)
        return WatchEvent("PUT", kv, prev)
