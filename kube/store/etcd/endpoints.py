"""The etcd members a store may talk to: one gRPC channel per endpoint, one current.

Calls go to the current member; when it fails with UNAVAILABLE or
DEADLINE_EXCEEDED the caller moves on to the next one (round robin), as
etcd's own clientv3 balancer does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import grpc

from kube.store.etcd.proto import etcd_rpc_pb2_grpc as rpc

_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", -1),  # lists and watch batches can exceed gRPC's 4 MiB default
    ("grpc.max_send_message_length", -1),  # etcd itself enforces --max-request-bytes
    # Notice a member that vanished without closing TCP; etcd refuses pings more often than 5 s.
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    # Retry connecting to a member that came back quickly rather than after up to 2 minutes.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2_000),
]


@dataclass(frozen=True, slots=True)
class TlsFiles:
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    @property
    def enabled(self) -> bool:
        return any((self.ca_file, self.cert_file, self.key_file))

    def credentials(self) -> grpc.ChannelCredentials:
        if bool(self.cert_file) != bool(self.key_file):
            raise ValueError("--etcd-certfile and --etcd-keyfile must be given together")
        return grpc.ssl_channel_credentials(
            root_certificates=_read(self.ca_file),
            private_key=_read(self.key_file),
            certificate_chain=_read(self.cert_file),
        )


def _read(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None


def parse_endpoint(endpoint: str) -> tuple[str, bool | None]:
    """'https://host:port' -> ('host:port', True); a bare 'host:port' leaves TLS to the caller (None)."""
    if "://" not in endpoint:
        return endpoint, None
    url = urlsplit(endpoint)
    if url.scheme not in ("http", "https") or not url.hostname or not url.port:
        raise ValueError(f"invalid etcd endpoint {endpoint!r}: want http(s)://host:port")
    host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
    return f"{host}:{url.port}", url.scheme == "https"


class Member:
    """One endpoint: its channel and the stubs of the services the store uses."""

    def __init__(self, endpoint: str, tls: TlsFiles) -> None:
        self.endpoint = endpoint
        target, secure = parse_endpoint(endpoint)
        if secure is None:
            secure = tls.enabled
        if secure:
            self.channel = grpc.aio.secure_channel(target, tls.credentials(), options=_CHANNEL_OPTIONS)
        else:
            self.channel = grpc.aio.insecure_channel(target, options=_CHANNEL_OPTIONS)
        self.kv = rpc.KVStub(self.channel)
        self.watch = rpc.WatchStub(self.channel)
        self.lease = rpc.LeaseStub(self.channel)
        self.maintenance = rpc.MaintenanceStub(self.channel)
        self.cluster = rpc.ClusterStub(self.channel)


class MemberPool:
    """All members, and which one calls go to now."""

    def __init__(self, endpoints: list[str], tls: TlsFiles) -> None:
        if not endpoints:
            raise ValueError("no etcd endpoints given")
        for endpoint in endpoints:
            parse_endpoint(endpoint)  # reject bad URLs before opening any channel
        self.members = [Member(e, tls) for e in endpoints]
        self._current = 0

    def __len__(self) -> int:
        return len(self.members)

    def current(self) -> Member:
        return self.members[self._current]

    def advance(self, failed: Member) -> None:
        """Move past `failed`, unless another caller already did."""
        if self.members[self._current] is failed:
            self._current = (self._current + 1) % len(self.members)

    async def close(self) -> None:
        for member in self.members:
            await member.channel.close()
