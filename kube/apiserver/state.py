"""What every handler needs, gathered in one object the app carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from kube.api.meta import Obj
from kube.apiserver.allocators import ServiceAllocators
from kube.apiserver.audit.auditor import Auditor
from kube.apiserver.auth import Authenticator
from kube.apiserver.auth.authorizer import Chain
from kube.apiserver.auth.serviceaccount_tokens import ServiceAccountTokens
from kube.apiserver.config import ServerConfig
from kube.apiserver.flowcontrol.dispatcher import FlowControl
from kube.apiserver.metrics import Metrics
from kube.apiserver.storage.event_leases import EventLeases
from kube.apiserver.storage.object_store import ObjectStore
from kube.apiserver.watch.cache import WatchCache
from kube.store.protocol import Store

# (request, pod, container) -> the response streaming that container's log (subresources/log.py's node proxy)
LogProxy = Callable[[web.Request, Obj, str], Awaitable[web.StreamResponse]]
# (request, pod, node path) -> the response once an exec/attach/portforward stream is over (stream_proxy.py)
StreamProxy = Callable[[web.Request, Obj, str], Awaitable[web.StreamResponse]]
# nodes -> node name -> its /stats/summary (metrics_api/scrape.py; nodes that do not answer are absent)
NodeStats = Callable[[list[Obj]], Awaitable[dict[str, Obj]]]


@dataclass
class ServerState:
    config: ServerConfig
    store: Store
    objects: ObjectStore
    cache: WatchCache
    metrics: Metrics
    event_leases: EventLeases
    allocators: ServiceAllocators
    log_proxy: LogProxy
    authenticator: Authenticator | None = None  # None: no authentication (tests of the core)
    replays: int = 0  # watches served from the store rather than the cache
    stream_proxy: StreamProxy | None = None  # None: exec/attach/portforward answer 503
    node_stats: NodeStats | None = None  # None: metrics.k8s.io answers 503
    authorizer: Chain | None = None  # --authorization-mode's chain; None: every request allowed (tests of the core)
    service_accounts: ServiceAccountTokens | None = None  # None: no ServiceAccount keys, no TokenRequest
    audit: Auditor | None = None  # --audit-policy-file with --audit-log-path; None: no audit log
    flowcontrol: FlowControl | None = None  # API Priority and Fairness; None: no seats (a state assembled by hand)


STATE: web.AppKey[ServerState] = web.AppKey("kube_state", ServerState)
