"""The data of a pod's `projected` volumes: serviceAccountToken, configMap, secret and
downwardAPI sources merged into one directory's files, as the kubelet's projected plugin.

Resolved on every sync (the ConfigMap and Secret reads are the resolver's, within its TTL;
the token is the token manager's, renewed at 80% of its lifetime), so the files the
runtime rewrites follow both. Returns relative path -> content; a missing required
source is a ContainerConfigError (the pod waits, as the kubelet's does).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from kube.api.meta import Obj
from kube.node.runtime import ContainerConfigError

# (pod, kind, name, optional) -> the ConfigMap's or Secret's data (None: optional and missing)
DataSource = Callable[[Obj, str, str, bool], Awaitable[dict[str, str] | None]]
TokenSource = Callable[[Obj, str, int], Awaitable[str]]
FieldValue = Callable[[Obj, str], str]


def _items(data: dict[str, str], items: list[Obj] | None, what: str) -> dict[str, str]:
    if not items:
        return dict(data)
    chosen = {}
    for item in items:
        key = str(item.get("key", ""))
        if key not in data:
            raise ContainerConfigError(f"{what}: key {key!r} not found")
        chosen[str(item.get("path") or key)] = data[key]
    return chosen


async def projected_files(pod: Obj, volume: Obj, data_of: DataSource, token_of: TokenSource,
                          field_of: FieldValue) -> dict[str, str]:
    files: dict[str, str] = {}
    for source in (volume.get("projected") or {}).get("sources") or []:
        if not isinstance(source, dict):
            continue
        if "serviceAccountToken" in source:
            sat = source["serviceAccountToken"] or {}
            files[str(sat.get("path") or "token")] = await token_of(
                pod, str(sat.get("audience") or ""), int(sat.get("expirationSeconds") or 3600))
        elif "configMap" in source or "secret" in source:
            kind = "ConfigMap" if "configMap" in source else "Secret"
            ref = source["configMap" if kind == "ConfigMap" else "secret"] or {}
            name = str(ref.get("name", ""))
            data = await data_of(pod, kind, name, bool(ref.get("optional")))
            if data is not None:
                files.update(_items(data, ref.get("items"), f"{kind.lower()} {name}"))
        elif "downwardAPI" in source:
            for item in (source["downwardAPI"] or {}).get("items") or []:
                field = (item.get("fieldRef") or {}).get("fieldPath")
                if not field:
                    raise ContainerConfigError("downwardAPI: only fieldRef items are supported")
                files[str(item.get("path", ""))] = field_of(pod, str(field))
        else:
            raise ContainerConfigError(f"projected source {sorted(source)} is not supported")
    return files
