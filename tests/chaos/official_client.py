"""The official `kubernetes` Python client against a chaos cluster: the admin kubeconfig's
credentials, one ApiClient per API server, and failing over to the next server when a
call cannot reach the current one (as a load balancer in front of several would)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import TypeVar

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

T = TypeVar("T")
TIMEOUT = (3.0, 15.0)  # connect, read: a call to a dead or hung server fails instead of blocking
# what a client sees while an API server is down or starting: refused, reset, cut off, 5xx
TRANSIENT = (urllib3.exceptions.HTTPError, OSError)


def transient(error: BaseException) -> bool:
    """A failure to retry on another server (not an answer about the request itself)."""
    if isinstance(error, ApiException):
        return error.status == 0 or error.status >= 500 or error.status == 429
    return isinstance(error, TRANSIENT)


class Servers:
    """ApiClients for each URL, one current; `rotate()` moves to the next. One per thread."""

    def __init__(self, kubeconfig: str, urls: list[str]) -> None:
        base = client.Configuration()
        config.load_kube_config(config_file=kubeconfig, client_configuration=base)
        self.clients = []
        for url in urls:
            cfg = copy.copy(base)
            cfg.host = url
            cfg.retries = False  # failing over is ours to do, and counted
            self.clients.append(client.ApiClient(cfg))
        self.current = 0
        self.failovers = 0

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.clients[self.current])

    @property
    def apps(self) -> client.AppsV1Api:
        return client.AppsV1Api(self.clients[self.current])

    def rotate(self) -> None:
        self.current = (self.current + 1) % len(self.clients)
        self.failovers += 1

    def call(self, fn: Callable[[Servers], T], attempts: int = 1) -> T:
        """fn(self), again on the next server after each transient failure; the last one raised."""
        for attempt in range(attempts):
            try:
                return fn(self)
            except Exception as error:
                if not transient(error) or attempt == attempts - 1:
                    raise
                self.rotate()
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def close(self) -> None:
        for api in self.clients:
            api.close()
