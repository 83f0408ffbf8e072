"""The API server as one object: store, watch cache, upkeep, HTTPS listener.

`kube apiserver` runs it until signalled; tests start it in-process on a free port.

Every connection is bounded in time until it has sent a request head
(config.connection_idle_timeout): the TLS handshake (asyncio's
ssl_handshake_timeout), then aiohttp's keep-alive timer, which runs from accept
and from the end of each response and closes a connection still waiting for a
complete head (one that sends nothing, or half a header). A request being
served, a watch included, is never cut by it.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from kube.apiserver.allocators import ServiceAllocators
from kube.apiserver.app import build_app
from kube.apiserver.audit import from_config as audit_from_config
from kube.apiserver.auth import Authenticator
from kube.apiserver.auth.bootstrap_tokens import BootstrapTokens
from kube.apiserver.auth.serviceaccount_tokens import from_flags as service_account_tokens
from kube.apiserver.bootstrap import bootstrap
from kube.apiserver.config import ServerConfig
from kube.apiserver.flowcontrol.dispatcher import FlowControl
from kube.apiserver.flowcontrol.flow_metrics import FlowMetrics
from kube.apiserver.metrics import Metrics
from kube.apiserver.metrics_api.scrape import node_stats_source
from kube.apiserver.state import ServerState
from kube.apiserver.storage.encrypted_store import with_encryption
from kube.apiserver.storage.event_leases import EventLeases
from kube.apiserver.storage.object_store import ObjectStore
from kube.apiserver.subresources.log import node_log_proxy
from kube.apiserver.subresources.stream_proxy import node_stream_proxy
from kube.apiserver.subresources.token_request import cached
from kube.apiserver.tls import ServingFiles, server_context, serving_files
from kube.apiserver.watch.cache import WatchCache
from kube.store.open import open_store
from kube.store.protocol import Store
from kube.store.upkeep import Upkeep

log = logging.getLogger("kube.apiserver")


async def open_configured_store(config: ServerConfig) -> Store:
    if config.store.startswith("etcd:") or not config.store:
        servers = config.store.removeprefix("etcd:")
        return await open_store(f"etcd:{servers}", cafile=config.etcd_cafile or None,
                                certfile=config.etcd_certfile or None, keyfile=config.etcd_keyfile or None,
                                prefix=config.etcd_prefix or None)
    return await open_store(config.store)


def bootstrap_tokens(config: ServerConfig, cache: WatchCache) -> BootstrapTokens | None:
    """--enable-bootstrap-token-auth: their Secrets read from the cache, as bound ServiceAccount objects."""
    if not config.enable_bootstrap_token_auth:
        return None
    return BootstrapTokens(lambda plural, ns, name: cached(cache, plural, ns, name))


class APIServer:
    def __init__(self, config: ServerConfig, store: Store | None = None) -> None:
        self.config = config
        self._store = store
        self._own_store = store is None
        self.state: ServerState | None = None
        self.files: ServingFiles | None = None
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._upkeep: Upkeep | None = None

    @property
    def url(self) -> str:
        host = self.config.bind_address
        host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"https://{host}:{self.config.secure_port}"

    async def start(self) -> None:
        config = self.config
        self.files = serving_files(config)
        ssl_ctx = server_context(self.files)
        store = self._store if self._store is not None else await open_configured_store(config)
        self._store = store
        store = with_encryption(store, config.encryption_provider_config)  # values at rest (storage/encrypted_store)
        cache = WatchCache(store)
        await cache.start()
        sa_tokens = service_account_tokens(
            config.service_account_signing_key_file, config.service_account_key_files,
            config.service_account_issuer, config.api_audiences,
            lookup=lambda plural, ns, name: cached(cache, plural, ns, name))  # bound objects: from the cache
        state = ServerState(
            config=config, store=store, objects=ObjectStore(store), cache=cache, metrics=Metrics(),
            event_leases=EventLeases(store, round(config.event_ttl)),
            allocators=ServiceAllocators(store, service_cidr=config.service_cluster_ip_range,
                                         node_port_range=config.service_node_port_range),
            log_proxy=node_log_proxy(config, self.files),  # pods/log -> the node agent's log server
            stream_proxy=node_stream_proxy(config, self.files),  # pods/exec, attach, portforward -> the node
            node_stats=node_stats_source(config, self.files),  # metrics.k8s.io -> the nodes' /stats/summary
            authenticator=(Authenticator(config.token_auth_file or None, self.files.client_ca or None, sa_tokens,
                                         bootstrap_tokens(config, cache))
                           if config.authenticate else None), service_accounts=sa_tokens)
        if config.authenticate:
            from kube.apiserver.rbac.chain import build_chain

            state.authorizer = build_chain(config.authorization_mode, cache)
        state.audit = audit_from_config(config, state.metrics.registry)  # before serving: every request logged
        state.flowcontrol = FlowControl(cache, config.max_requests_inflight + config.max_mutating_requests_inflight,
                                        config.flowcontrol_queue_wait, FlowMetrics(state.metrics.registry))
        self.state = state
        await bootstrap(state)
        self._upkeep = Upkeep(store)  # compaction and key budgets, in the background
        self._upkeep.start()
        app = build_app(state)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0,
                                     keepalive_timeout=config.connection_idle_timeout)
        await self._runner.setup()
        assert self._runner.server is not None
        # the listener directly (not web.TCPSite), for its TLS handshake timeout
        self._listener = await asyncio.get_running_loop().create_server(
            self._runner.server, config.bind_address, config.secure_port, ssl=ssl_ctx, backlog=2048,
            reuse_address=True, ssl_handshake_timeout=config.connection_idle_timeout)
        log.info("serving on %s (store %s)", self.url, config.store or "etcd")

    async def stop(self) -> None:
        """Stop serving and release the store; harmless when called twice."""
        auditor = None
        if self.state is not None:
            auditor = self.state.audit
            await self.state.cache.stop()
            self.state = None
        if self._listener is not None:
            self._listener.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if auditor is not None:  # after the last request: what is queued is written
            await asyncio.to_thread(auditor.close)
        if self._listener is not None:
            await self._listener.wait_closed()
            self._listener = None
        if self._upkeep is not None:
            await self._upkeep.stop()
            self._upkeep = None
        if self._own_store and self._store is not None:
            await self._store.close()
            self._store = None

