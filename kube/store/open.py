"""Open a store from the one string operators pass (`--store sqlite:PATH`, `--etcd-servers`)."""

from __future__ import annotations

from typing import Any

from kube.store.protocol import Store

# the TLS keyword spellings accepted: etcd flag style (cafile) and EtcdStore.connect style (ca_file)
_TLS_ALIASES = {"cafile": "ca_file", "certfile": "cert_file", "keyfile": "key_file"}
_ETCD_OPTIONS = {"ca_file", "cert_file", "key_file", "prefix", "timeout", "retry_window"}


async def open_store(url: str | list[str], **options: Any) -> Store:
    """`sqlite:PATH` -> SqliteStore; `etcd:URL,URL` (or a list of endpoint URLs) -> EtcdStore.

    For etcd, options are ca_file/cert_file/key_file (or cafile/certfile/keyfile), prefix,
    timeout; None values are ignored. Raises ValueError with one clear line on a bad url."""
    given = {_TLS_ALIASES.get(name, name): value for name, value in options.items() if value is not None}
    if isinstance(url, list | tuple):
        return await _open_etcd([str(e) for e in url], given)
    text = url.strip()
    if text.startswith("sqlite:"):
        path = text.removeprefix("sqlite:").removeprefix("//")
        if not path:
            raise ValueError("--store sqlite:PATH needs a file path, e.g. sqlite:.cluster/state.db")
        if given:
            raise ValueError(f"options {sorted(given)} do not apply to a sqlite store")
        from kube.store.sqlite import SqliteStore

        return await SqliteStore.open(path)
    if text.startswith("etcd:"):
        return await _open_etcd([e for e in text.removeprefix("etcd:").split(",") if e.strip()], given)
    raise ValueError(f"unknown store {url!r}: use sqlite:PATH or etcd:URL[,URL...]")


async def _open_etcd(endpoints: list[str], options: dict[str, Any]) -> Store:
    endpoints = [e.strip() for e in endpoints if e.strip()]
    if not endpoints:
        raise ValueError("an etcd store needs at least one endpoint: etcd:http://127.0.0.1:2379[,...]")
    unknown = set(options) - _ETCD_OPTIONS
    if unknown:
        raise ValueError(f"unknown etcd store options: {sorted(unknown)}")
    from kube.store.etcd import EtcdStore

    return await EtcdStore.connect(endpoints, **options)
