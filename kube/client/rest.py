"""The REST client: typed verbs over a kind from the registry, as JSON-shaped dicts.

Built from a kubeconfig (`RestClient.from_kubeconfig`) or a ClientConfig; several
servers fail over (see transport.py). Every failure is an ApiError carrying the
server's Status, a GoneError for 410, or an ApiConnectionError.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson

from kube.api.registry import KindInfo
from kube.client.errors import GoneError
from kube.client.kubeconfig import ClientConfig, load_kubeconfig
from kube.client.paths import collection_path, object_path
from kube.client.transport import RetryPolicy, Transport
from kube.client.watch import WatchStream

log = logging.getLogger("kube.client")

PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


class RestClient:
    def __init__(self, config: ClientConfig, *, retry: RetryPolicy | None = None, timeout: float = 60.0,
                 user_agent: str = "kube-client") -> None:
        self.config = config
        self.transport = Transport(config, retry, timeout, user_agent)

    @classmethod
    def from_kubeconfig(cls, path: str | None = None, context: str | None = None,
                        api_servers: list[str] | None = None, **kwargs: Any) -> RestClient:
        """`api_servers` (from --api-servers) replaces the kubeconfig's server, keeping its credentials."""
        config = load_kubeconfig(path, context)
        if api_servers:
            config.servers = [s.rstrip("/") for s in api_servers]
        return cls(config, **kwargs)

    @property
    def namespace(self) -> str:
        return self.config.namespace

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.transport.close()

    # --- raw ---------------------------------------------------------------------------------------

    async def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
                      content_type: str = "application/json", accept: str = "application/json",
                      timeout: float | None = None) -> Any:
        """One call; returns the decoded JSON answer (or text for non-JSON answers)."""
        headers = {"Accept": accept}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else orjson.dumps(body)
            headers["Content-Type"] = content_type
        response = await self.transport.request(method, path, params=_clean(params), body=data, headers=headers,
                                                 timeout=timeout)
        return response.json()

    # --- typed -------------------------------------------------------------------------------------

    def _ns(self, kind: KindInfo, namespace: str | None, obj: dict[str, Any] | None = None) -> str | None:
        if not kind.namespaced:
            return None
        from_obj = ((obj or {}).get("metadata") or {}).get("namespace")
        return namespace or from_obj or self.config.namespace

    async def get(self, kind: KindInfo, name: str, namespace: str | None = None, *,
                  subresource: str | None = None, accept: str = "application/json") -> dict[str, Any]:
        return await self.request("GET", object_path(kind, self._ns(kind, namespace), name, subresource),
                                  accept=accept)

    async def list(self, kind: KindInfo, namespace: str | None = None, *, label_selector: str | None = None,
                   field_selector: str | None = None, limit: int | None = None, continue_: str | None = None,
                   resource_version: str | None = None, accept: str = "application/json") -> dict[str, Any]:
        """One page. `namespace=None` lists across all namespaces."""
        params = {"labelSelector": label_selector, "fieldSelector": field_selector, "limit": limit,
                  "continue": continue_, "resourceVersion": resource_version}
        return await self.request("GET", collection_path(kind, namespace), params=params, accept=accept)

    async def list_all(self, kind: KindInfo, namespace: str | None = None, *, label_selector: str | None = None,
                       field_selector: str | None = None, page_size: int = 500,
                       accept: str = "application/json") -> dict[str, Any]:
        """Every page joined into one list (items, or rows for Tables); the first page's resourceVersion.
        When the snapshot the pages read is compacted before the last page (410 Expired on a continue
        token), the whole list is read again in one unpaged request, as client-go's pager does
        (FullListIfExpired): paging again would fail the same way while the store outpaces the reader."""
        first: dict[str, Any] | None = None
        token: str | None = None
        while True:
            try:
                page = await self.list(kind, namespace, label_selector=label_selector, field_selector=field_selector,
                                       limit=page_size, continue_=token, accept=accept)
            except GoneError:
                if not token:
                    raise
                log.info("%s: the paged list's snapshot was compacted: listing in one request", kind.plural)
                return await self.list(kind, namespace, label_selector=label_selector,
                                       field_selector=field_selector, accept=accept)
            if first is None:
                first = page
            else:
                for key in ("items", "rows"):
                    if key in page:
                        first.setdefault(key, []).extend(page.get(key) or [])
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                break
        assert first is not None
        first.setdefault("metadata", {}).pop("continue", None)
        return first

    async def iter_pages(self, kind: KindInfo, namespace: str | None = None, *, page_size: int = 500,
                         **selectors: Any) -> AsyncIterator[dict[str, Any]]:
        """Pages one by one, for lists too large to hold twice."""
        token: str | None = None
        while True:
            page = await self.list(kind, namespace, limit=page_size, continue_=token, **selectors)
            yield page
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return

    async def create(self, kind: KindInfo, obj: dict[str, Any], namespace: str | None = None, *,
                     field_manager: str | None = None, dry_run: bool = False) -> dict[str, Any]:
        params = {"fieldManager": field_manager, "dryRun": "All" if dry_run else None}
        return await self.request("POST", collection_path(kind, self._ns(kind, namespace, obj)), params=params,
                                  body=_with_type(kind, obj))

    async def update(self, kind: KindInfo, obj: dict[str, Any], namespace: str | None = None, *,
                     subresource: str | None = None, field_manager: str | None = None) -> dict[str, Any]:
        """PUT; a stale metadata.resourceVersion gives ApiError 409 Conflict."""
        name = (obj.get("metadata") or {}).get("name", "")
        path = object_path(kind, self._ns(kind, namespace, obj), name, subresource)
        return await self.request("PUT", path, params={"fieldManager": field_manager}, body=_with_type(kind, obj))

    async def update_status(self, kind: KindInfo, obj: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        return await self.update(kind, obj, namespace, subresource="status")

    async def patch(self, kind: KindInfo, name: str, patch: Any, namespace: str | None = None, *,
                    patch_type: str = "merge", field_manager: str | None = None, force: bool | None = None,
                    subresource: str | None = None, dry_run: bool = False) -> dict[str, Any]:
        """patch_type: merge | strategic | json | apply (server-side apply; needs field_manager)."""
        if patch_type not in PATCH_TYPES:
            raise ValueError(f"unknown patch type {patch_type!r}; one of {', '.join(PATCH_TYPES)}")
        if patch_type == "apply" and not field_manager:
            field_manager = "kube"
        params = {"fieldManager": field_manager, "force": None if force is None else str(force).lower(),
                  "dryRun": "All" if dry_run else None}
        path = object_path(kind, self._ns(kind, namespace), name, subresource)
        return await self.request("PATCH", path, params=params, body=patch, content_type=PATCH_TYPES[patch_type])

    async def delete(self, kind: KindInfo, name: str, namespace: str | None = None, *,
                     propagation_policy: str | None = None, grace_period_seconds: int | None = None,
                     preconditions: dict[str, str] | None = None) -> dict[str, Any]:
        """Returns the object (with deletionTimestamp while finalizers hold it) or a Success Status."""
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if preconditions:
            options["preconditions"] = preconditions
        return await self.request("DELETE", object_path(kind, self._ns(kind, namespace), name), body=options)

    def watch(self, kind: KindInfo, namespace: str | None = None, *, resource_version: str | None = None,
              label_selector: str | None = None, field_selector: str | None = None,
              allow_bookmarks: bool = True, timeout_seconds: int | None = None,
              send_initial_events: bool | None = None, accept: str | None = None) -> WatchStream:
        """A stream of (type, object) events; GoneError when resource_version is too old."""
        params: dict[str, Any] = {"watch": "true", "resourceVersion": resource_version,
                                  "labelSelector": label_selector, "fieldSelector": field_selector,
                                  "allowWatchBookmarks": "true" if allow_bookmarks else None,
                                  "timeoutSeconds": timeout_seconds}
        if send_initial_events is not None:
            params["sendInitialEvents"] = str(send_initial_events).lower()
            params["resourceVersionMatch"] = "NotOlderThan"
        headers = {"Accept": accept} if accept else None
        return WatchStream(self.transport, collection_path(kind, namespace), _clean(params) or {}, headers)


def _with_type(kind: KindInfo, obj: dict[str, Any]) -> dict[str, Any]:
    """Fill apiVersion/kind when the caller left them out, as the typed clients do."""
    if obj.get("apiVersion") and obj.get("kind"):
        return obj
    return {"apiVersion": kind.api_version, "kind": kind.kind, **obj}


def _clean(params: dict[str, Any] | None) -> dict[str, str] | None:
    if not params:
        return None
    return {k: str(v) for k, v in params.items() if v is not None and v != ""}
