"""Kubeconfig files: written with embedded data (portable), read back for our own client.

The same file must work for the real kubectl, the official Python client and
`kube.client`, so we write the standard v1 Config layout and read both the
`*-data` (base64) and file-path forms, relative paths against the file's directory.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kube.client.errors import ConfigError
from kube.client.kubeconfig import read_kubeconfig_file


class KubeconfigError(ValueError):
    """The kubeconfig is missing, malformed or lacks the requested context."""


@dataclass(frozen=True)
class KubeconfigEntry:
    server: str
    ca_data: bytes | None = None
    cert_data: bytes | None = None
    key_data: bytes | None = None
    token: str | None = None
    insecure: bool = False


def _b64_file(path: str) -> str:
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def write_kubeconfig(path: str, server: str, ca_file: str | None, *, cert_file: str | None = None,
                     key_file: str | None = None, token: str | None = None, user: str = "admin",
                     cluster: str = "kube", context: str = "kube") -> None:
    """Write a one-context kubeconfig (mode 0600: it holds credentials)."""
    cluster_entry: dict[str, Any] = {"server": server}
    if ca_file:
        cluster_entry["certificate-authority-data"] = _b64_file(ca_file)
    user_entry: dict[str, Any] = {}
    if cert_file:
        user_entry["client-certificate-data"] = _b64_file(cert_file)
    if key_file:
        user_entry["client-key-data"] = _b64_file(key_file)
    if token:
        user_entry["token"] = token
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": cluster_entry}],
        "users": [{"name": user, "user": user_entry}],
        "contexts": [{"name": context, "context": {"cluster": cluster, "user": user}}],
        "current-context": context,
        "preferences": {},
    }
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
    os.replace(tmp, path)


def _named(doc: dict[str, Any], section: str, name: str, field: str, source: str) -> dict[str, Any]:
    for entry in doc.get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            value = entry.get(field)
            return value if isinstance(value, dict) else {}
    raise KubeconfigError(f"{source}: no {field} named {name!r}")


def _data(entry: dict[str, Any], data_key: str, file_key: str, base: str) -> bytes | None:
    if entry.get(data_key):
        try:
            return base64.b64decode(str(entry[data_key]), validate=True)
        except ValueError as exc:
            raise KubeconfigError(f"{data_key} is not valid base64") from exc
    if entry.get(file_key):
        path = os.path.join(base, os.path.expanduser(str(entry[file_key])))
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as exc:
            raise KubeconfigError(f"cannot read {file_key} {path}: {exc.strerror}") from exc
    return None


def _read(path: str) -> dict[str, Any]:
    try:
        return read_kubeconfig_file(Path(path))
    except ConfigError as exc:
        raise KubeconfigError(str(exc)) from exc


def load_kubeconfig(path: str, context: str | None = None) -> KubeconfigEntry:
    """The server and credentials of `context` (default: current-context).

    `path` may list several files separated by os.pathsep, as $KUBECONFIG does;
    the first file that defines a name wins.
    """
    docs = [(p, _read(p)) for p in path.split(os.pathsep) if p]
    if not docs:
        raise KubeconfigError("no kubeconfig given")
    merged: dict[str, Any] = {"clusters": [], "users": [], "contexts": []}
    for _, doc in docs:
        for section in ("clusters", "users", "contexts"):
            merged[section].extend(e for e in doc.get(section) or [] if isinstance(e, dict))
        if not merged.get("current-context") and doc.get("current-context"):
            merged["current-context"] = doc["current-context"]
    name = context or merged.get("current-context")
    if not name:
        raise KubeconfigError(f"{path}: no context given and no current-context set")
    ctx = _named(merged, "contexts", name, "context", path)
    cluster = _named(merged, "clusters", str(ctx.get("cluster")), "cluster", path)
    user = _named(merged, "users", str(ctx.get("user")), "user", path) if ctx.get("user") else {}
    base = os.path.dirname(os.path.abspath(docs[0][0]))
    server = cluster.get("server")
    if not server:
        raise KubeconfigError(f"{path}: cluster {ctx.get('cluster')!r} has no server")
    token = user.get("token")
    if not token and user.get("tokenFile"):
        token = (_data({"f": user["tokenFile"]}, "", "f", base) or b"").decode().strip()
    return KubeconfigEntry(
        server=str(server),
        ca_data=_data(cluster, "certificate-authority-data", "certificate-authority", base),
        cert_data=_data(user, "client-certificate-data", "client-certificate", base),
        key_data=_data(user, "client-key-data", "client-key", base),
        token=str(token) if token else None,
        insecure=bool(cluster.get("insecure-skip-tls-verify", False)),
    )
