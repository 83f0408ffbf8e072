"""What every handler needs, gathered in one object the app carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from kube.apiserver.config import ServerConfig
from kube.apiserver.metrics import Metrics
from kube.apiserver.storage.event_leases import EventLeases
from kube.apiserver.storage.object_store import ObjectStore
from kube.apiserver.watch.cache import WatchCache
from kube.store.protocol import Store

# (pod, container, query) -> response streaming the container's log; set by the node-agent proxy (a later issue)
LogProxy = Callable[[web.Request, dict[str, Any], str], Awaitable[web.StreamResponse]]


@dataclass
class ServerState:
    config: ServerConfig
    store: Store
    objects: ObjectStore
    cache: WatchCache
    metrics: Metrics
    event_leases: EventLeases
    authenticator: Any = None  # kube.apiserver.auth.Authenticator; None = no authentication (tests of the core)
    allocators: Any = None  # kube.apiserver.allocators.ServiceAllocators
    log_proxy: LogProxy | None = None
    replays: int = 0  # watches served from the store rather than the cache
    extra: dict[str, Any] = field(default_factory=dict)


STATE: web.AppKey[ServerState] = web.AppKey("kube_state", ServerState)
