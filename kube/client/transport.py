"""Sending one HTTP request to the API with failover and retries.

Servers are tried in order, starting with the last one that worked; a connection
error moves on to the next. 429 is retried for any verb (the server did not act
on it) after Retry-After; 5xx and broken connections only for idempotent verbs,
with exponential back-off and jitter, as client-go does.

This is the one place where aiohttp's and the socket's failures are classified: every
one leaves here as ApiConnectionError (`broken` when the request had been sent), so no
caller, watch loops included, ever sees an aiohttp exception.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import ssl
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from kube.client import session_pool
from kube.client.backoff import Backoff
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.kubeconfig import ClientConfig
from kube.client.tls import client_context

log = logging.getLogger("kube.client")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# connect refused/reset before a request was sent: safe to resend anywhere
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
# anything else the connection can do once the request is on its way: reset, server gone
# (ServerDisconnectedError), a body cut short (ClientPayloadError), timeouts, raw socket errors
_BROKEN = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


@dataclass
class RetryPolicy:
    max_retries: int = 5  # for 429 / 5xx / broken connections
    connect_rounds: int = 1  # full passes over the server list when none answers
    backoff_base: float = 0.2
    backoff_cap: float = 10.0
    retry_after_cap: float = 30.0


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        if not self.body:
            return {}
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return self.body.decode("utf-8", "replace")


class Transport:
    """Failover + retries over a ClientConfig's servers, on the process' shared pool."""

    def __init__(self, config: ClientConfig, retry: RetryPolicy | None = None, timeout: float = 60.0,
                 user_agent: str = "kube-client") -> None:
        if not config.servers:
            raise ValueError("a client needs at least one API server URL")
        self.config = config
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.servers = [s.rstrip("/") for s in config.servers]
        self._current = 0
        self._ssl: ssl.SSLContext | bool | None = None
        self._session: aiohttp.ClientSession | None = None
        self._headers = {"User-Agent": user_agent}
        if config.token:
            self._headers["Authorization"] = f"Bearer {config.token}"

    @property
    def server(self) -> str:
        """The server requests go to first (the last that answered)."""
        return self.servers[self._current]

    def _ssl_context(self) -> ssl.SSLContext | bool:
        if self._ssl is None:
            self._ssl = client_context(self.config)
        return self._ssl

    def use_client_certificate(self, cert_pem: bytes, key_pem: bytes) -> None:
        """Certificate rotation's reload point: requests from now on go out on connections that
        present this pair (a new SSLContext is a new pool key); open ones, watches included, keep
        theirs until they reconnect. A bad pair raises ConfigError and changes nothing."""
        config = dataclasses.replace(self.config, cert_data=cert_pem, key_data=key_pem)
        self._ssl = client_context(config)
        self.config.cert_data, self.config.key_data = cert_pem, key_pem

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = session_pool.acquire()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            self._session = None
            await session_pool.release()

    async def request(self, method: str, path: str, *, params: dict[str, str] | None = None,
                      body: bytes | None = None, headers: dict[str, str] | None = None,
                      timeout: float | None = None) -> Response:
        """Send and read the whole answer; raises ApiError for non-2xx, ApiConnectionError when unreachable."""
        backoff = Backoff(base=self.retry.backoff_base, cap=self.retry.backoff_cap)
        retries = 0
        while True:
            try:
                response = await self._attempt(method, path, params, body, headers, timeout)
            except ApiConnectionError as exc:
                if not exc.broken or method not in IDEMPOTENT or retries >= self.retry.max_retries:
                    raise
                retries += 1
                log.debug("%s %s: %s, retrying", method, path, exc)
                self._current = (self._current + 1) % len(self.servers)
                await asyncio.sleep(backoff.next())
                continue
            if response.status < 400:
                return response
            error = ApiError.from_status(response.status, response.json(),
                                         _retry_after(response.headers.get("Retry-After")))
            if not self._retryable(method, response.status) or retries >= self.retry.max_retries:
                raise error
            retries += 1
            delay = backoff.next()
            if error.retry_after is not None:
                delay = max(min(error.retry_after, self.retry.retry_after_cap), 0.0)
            log.debug("%s %s: %s, retrying in %.2fs", method, path, response.status, delay)
            await asyncio.sleep(delay)

    @staticmethod
    def _retryable(method: str, status: int) -> bool:
        return status == 429 or (status >= 500 and status != 501 and method in IDEMPOTENT)

    async def _attempt(self, method: str, path: str, params: dict[str, str] | None, body: bytes | None,
                       headers: dict[str, str] | None, timeout: float | None) -> Response:
        async def read(resp: aiohttp.ClientResponse) -> Response:
            return Response(resp.status, dict(resp.headers), await resp.read())

        client_timeout = aiohttp.ClientTimeout(total=timeout or self.timeout)
        return await self.open(method, path, params=params, body=body, headers=headers,
                               timeout=client_timeout, reader=read)

    async def open(self, method: str, path: str, *, params: dict[str, str] | None = None,
                   body: bytes | None = None, headers: dict[str, str] | None = None,
                   timeout: aiohttp.ClientTimeout, reader: Any) -> Any:
        """Connect to the first server that accepts and hand the response to `reader` (awaited).

        Connection failures fail over to the next server; after `connect_rounds` passes over
        all of them the last failure is raised as ApiConnectionError. A failure after the
        request was sent (also while `reader` reads the body) is ApiConnectionError(broken=True)."""
        session = self.session()
        all_headers = dict(self._headers)
        if headers:
            all_headers.update(headers)
        last: BaseException | None = None
        backoff = Backoff(base=self.retry.backoff_base, cap=self.retry.backoff_cap)
        for round_number in range(max(1, self.retry.connect_rounds)):
            if round_number:
                await asyncio.sleep(backoff.next())
            for offset in range(len(self.servers)):
                index = (self._current + offset) % len(self.servers)
                url = self.servers[index] + path
                ssl_arg = self._ssl_context() if url.startswith("https:") else False  # a bad CA file is no network error
                try:
                    async with session.request(method, url, params=params, data=body, headers=all_headers,
                                               ssl=ssl_arg, timeout=timeout,
                                               server_hostname=self.config.tls_server_name) as resp:
                        self._current = index
                        return await reader(resp)
                except _NOT_SENT as exc:
                    last = exc
                    log.debug("cannot connect to %s: %s", self.servers[index], exc)
                    continue
                except aiohttp.InvalidURL:
                    raise  # a configuration mistake, not the network
                except _BROKEN as exc:
                    raise ApiConnectionError([self.servers[index]], exc, broken=True) from exc
        raise ApiConnectionError(self.servers, _short_cause(last))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _short_cause(exc: BaseException | None) -> BaseException | None:
    """aiohttp's connector errors repeat the address; keep the OS reason only."""
    if isinstance(exc, aiohttp.ClientConnectorError) and exc.os_error is not None:
        err = exc.os_error
        if isinstance(err, aiohttp.ClientSSLError | ssl.SSLError):
            return err
        return ConnectionError(os.strerror(err.errno) if err.errno else str(err))
    return exc
