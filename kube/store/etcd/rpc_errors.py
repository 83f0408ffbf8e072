"""Turns etcd's gRPC errors into the store's errors.

etcd reports its own conditions as gRPC status codes plus a fixed message
(etcdserver/api/v3rpc/rpctypes); the message is what tells, for example, a
compacted revision apart from a future one (both OUT_OF_RANGE).
"""

from __future__ import annotations

import grpc

from kube.store.errors import (
    CompactedError,
    KeyNotFoundError,
    RequestTooLargeError,
    StoreError,
    UnavailableError,
)

# Worth trying on another member: the member is down, unreachable, or has no leader.
RETRYABLE_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})

COMPACTED_MESSAGE = "required revision has been compacted"
FUTURE_REVISION_MESSAGE = "required revision is a future revision"
TOO_LARGE_MESSAGE = "request is too large"
LEASE_NOT_FOUND_MESSAGE = "requested lease not found"


def is_retryable(error: grpc.aio.AioRpcError) -> bool:
    return error.code() in RETRYABLE_CODES


def describe(error: grpc.aio.AioRpcError) -> str:
    return f"{error.code().name}: {error.details()}"


def is_compacted(error: grpc.aio.AioRpcError) -> bool:
    return error.code() == grpc.StatusCode.OUT_OF_RANGE and COMPACTED_MESSAGE in (error.details() or "")


def translate(error: grpc.aio.AioRpcError) -> StoreError:
    """The store error for a non-retryable gRPC error (CompactedError without its revision:
    the caller looks that up, since etcd does not say)."""
    code, details = error.code(), error.details() or ""
    if code == grpc.StatusCode.OUT_OF_RANGE and COMPACTED_MESSAGE in details:
        return CompactedError(f"etcd: {details}")
    if code == grpc.StatusCode.OUT_OF_RANGE and FUTURE_REVISION_MESSAGE in details:
        return StoreError(f"etcd: {details}")
    if TOO_LARGE_MESSAGE in details or code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return RequestTooLargeError(f"etcd: {details}")
    if code == grpc.StatusCode.NOT_FOUND and LEASE_NOT_FOUND_MESSAGE in details:
        return KeyNotFoundError(f"etcd: {details}")
    if code in RETRYABLE_CODES:
        return UnavailableError(f"etcd: {describe(error)}")
    return StoreError(f"etcd: {describe(error)}")
