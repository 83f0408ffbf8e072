"""Kubeconfig loading: which server, which credentials, which namespace.

Follows kubectl's rules: `$KUBECONFIG` may list several files (':'-separated);
for named clusters/users/contexts the first file that defines a name wins, and
`current-context` comes from the first file that sets it. `*-data` fields are
base64; file paths are relative to the kubeconfig that names them.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kube.client.errors import ConfigError

LOCAL_CLUSTER_KUBECONFIG = Path(".cluster/kubeconfig")


@dataclass
class ClientConfig:
    """Everything needed to talk to a cluster; also built by hand in tests and components."""

    servers: list[str]
    ca_data: bytes | None = None
    cert_data: bytes | None = None
    key_data: bytes | None = None
    token: str | None = None
    insecure: bool = False
    tls_server_name: str | None = None
    namespace: str = "default"
    context: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def server(self) -> str:
        return self.servers[0]


def default_paths(explicit: str | None = None) -> list[Path]:
    """The files to read: --kubeconfig, else $KUBECONFIG, else .cluster/kubeconfig, else ~/.kube/config."""
    if explicit:
        return [Path(explicit)]
    env = os.environ.get("KUBECONFIG", "")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    if LOCAL_CLUSTER_KUBECONFIG.is_file():
        return [LOCAL_CLUSTER_KUBECONFIG]
    return [Path.home() / ".kube" / "config"]


def load_kubeconfig(path: str | os.PathLike[str] | None = None, context: str | None = None) -> ClientConfig:
    """Load a ClientConfig from `path` (or the default search), using `context` or the current one."""
    paths = default_paths(os.fspath(path) if path else None)
    explicit = bool(path)
    merged = _merge([(p, read_kubeconfig_file(p, required=explicit or len(paths) == 1)) for p in paths])
    return _resolve(merged, context)


def read_kubeconfig_file(path: Path, required: bool = True) -> dict[str, Any]:
    """One kubeconfig file as a mapping ({} for an empty file, or a missing one not `required`):
    the one place a kubeconfig is read and parsed, for the client and the API server's tools."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"cannot read kubeconfig {path}: not found") from None
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read kubeconfig {path}: {exc.strerror}") from None
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"kubeconfig {path}{where}: not valid YAML") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"kubeconfig {path}: not a Config mapping (expected a mapping at the top level)")
    return doc


@dataclass
class _Merged:
    current_context: str = ""
    clusters: dict[str, tuple[Path, dict[str, Any]]] = field(default_factory=dict)
    users: dict[str, tuple[Path, dict[str, Any]]] = field(default_factory=dict)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)


def _merge(docs: list[tuple[Path, dict[str, Any]]]) -> _Merged:
    merged = _Merged()
    for path, doc in docs:
        if not merged.current_context and doc.get("current-context"):
            merged.current_context = str(doc["current-context"])
        base = path.parent
        for section, inner, target in (("clusters", "cluster", merged.clusters), ("users", "user", merged.users)):
            for entry in doc.get(section) or []:
                if isinstance(entry, dict) and entry.get("name") and entry["name"] not in target:
                    target[str(entry["name"])] = (base, entry.get(inner) or {})
        for entry in doc.get("contexts") or []:
            if isinstance(entry, dict) and entry.get("name") and entry["name"] not in merged.contexts:
                merged.contexts[str(entry["name"])] = entry.get("context") or {}
    return merged


def _resolve(merged: _Merged, context: str | None) -> ClientConfig:
    name = context or merged.current_context
    if not name:
        if len(merged.contexts) == 1:
            name = next(iter(merged.contexts))
        else:
            raise ConfigError("no context chosen: the kubeconfig has no current-context")
    ctx = merged.contexts.get(name)
    if ctx is None:
        raise ConfigError(f'context "{name}" not found in the kubeconfig')
    cluster_name = str(ctx.get("cluster", ""))
    if cluster_name not in merged.clusters:
        raise ConfigError(f'cluster "{cluster_name}" (of context "{name}") not found in the kubeconfig')
    cluster_base, cluster = merged.clusters[cluster_name]
    server = str(cluster.get("server") or "")
    if not server:
        raise ConfigError(f'cluster "{cluster_name}" has no server')
    config = ClientConfig(servers=[server.rstrip("/")], context=name,
                          namespace=str(ctx.get("namespace") or "default"),
                          insecure=bool(cluster.get("insecure-skip-tls-verify", False)),
                          tls_server_name=cluster.get("tls-server-name"))
    config.ca_data = _data_or_file(cluster, "certificate-authority", cluster_base)
    user_name = str(ctx.get("user", ""))
    if user_name:
        if user_name not in merged.users:
            raise ConfigError(f'user "{user_name}" (of context "{name}") not found in the kubeconfig')
        user_base, user = merged.users[user_name]
        config.cert_data = _data_or_file(user, "client-certificate", user_base)
        config.key_data = _data_or_file(user, "client-key", user_base)
        config.token = _token(user, user_base)
        if bool(config.cert_data) != bool(config.key_data):
            raise ConfigError(f'user "{user_name}": client-certificate and client-key go together')
    return config


def _data_or_file(section: dict[str, Any], field_name: str, base: Path) -> bytes | None:
    data = section.get(f"{field_name}-data")
    if data:
        try:
            return base64.b64decode(str(data), validate=False)
        except (binascii.Error, ValueError):
            raise ConfigError(f"{field_name}-data is not valid base64") from None
    path = section.get(field_name)
    if path:
        full = Path(os.path.expanduser(str(path)))
        full = full if full.is_absolute() else base / full
        try:
            return full.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {field_name} {full}: {exc.strerror}") from None
    return None


def _token(user: dict[str, Any], base: Path) -> str | None:
    if user.get("token"):
        return str(user["token"]).strip()
    if user.get("tokenFile"):
        path = Path(os.path.expanduser(str(user["tokenFile"])))
        path = path if path.is_absolute() else base / path
        try:
            return path.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read tokenFile {path}: {exc.strerror}") from None
    return None
