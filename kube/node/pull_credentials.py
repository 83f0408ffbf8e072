"""Registry credentials from pull secrets, matched per registry host as the kubelet's
keyring does (pure).

A `kubernetes.io/dockerconfigjson` Secret holds `{"auths": {KEY: {...}}}` under
`.dockerconfigjson`; the older `kubernetes.io/dockercfg` holds `{KEY: {...}}` under
`.dockercfg`. KEY is a host (`127.0.0.1:5000`), a host and path prefix
(`registry.example/team`), possibly with a scheme and Docker's `/v1/`/`/v2/`, and its host
parts may be globs (`*.example.com`). An image matches a KEY when the host has as many
dot-separated parts, each matching its glob, the ports are equal and the KEY's path is a
prefix of the image's repository. Every match is returned, the most specific first (the
index reverse-sorted, as Kubernetes does); the puller tries them in turn. Docker Hub
images also take the credentials stored for `index.docker.io`.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
from dataclasses import dataclass

from kube.node.image_ref import DOCKER_HUB, ImageRef

DOCKERCONFIGJSON = ("kubernetes.io/dockerconfigjson", ".dockerconfigjson")
DOCKERCFG = ("kubernetes.io/dockercfg", ".dockercfg")
HUB_KEY = "index.docker.io"


@dataclass(frozen=True)
class Credential:
    username: str
    password: str
    server: str  # the KEY it was stored under (Docker's serveraddress)
    source: str = ""  # "namespace/secret", for messages

    def auth_config(self) -> dict[str, str]:
        """The X-Registry-Auth body Docker's /images/create takes."""
        return {"username": self.username, "password": self.password, "serveraddress": self.server}


def _normalize_key(key: str) -> str:
    value = key.strip()
    for scheme in ("https://", "http://"):
        value = value.removeprefix(scheme)
    host, slash, path = value.partition("/")
    path = slash + path
    if path.startswith(("/v1/", "/v2/")):
        path = path[3:]
    path = path.rstrip("/")
    return host + path if path else host


def _entry(key: str, entry: object, source: str) -> Credential | None:
    if not isinstance(entry, dict):
        return None
    username, password = str(entry.get("username") or ""), str(entry.get("password") or "")
    auth = entry.get("auth")
    if isinstance(auth, str) and auth and not username:
        try:
            username, _, password = base64.b64decode(auth).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
    if not username and not password:
        return None
    return Credential(username, password, key, source)


def credentials_from_secret(secret_type: str, data: dict[str, str], source: str) -> list[tuple[str, Credential]]:
    """(normalized KEY, credential) pairs of one pull Secret's decoded data; [] if it holds none."""
    if secret_type == DOCKERCONFIGJSON[0] or DOCKERCONFIGJSON[1] in data:
        raw, wrapped = data.get(DOCKERCONFIGJSON[1], ""), True
    elif secret_type == DOCKERCFG[0] or DOCKERCFG[1] in data:
        raw, wrapped = data.get(DOCKERCFG[1], ""), False
    else:
        return []
    try:
        doc = json.loads(raw)
    except ValueError:
        return []
    auths = doc.get("auths") if wrapped and isinstance(doc, dict) else doc
    if not isinstance(auths, dict):
        return []
    found = []
    for key, entry in auths.items():
        cred = _entry(str(key), entry, source)
        if cred is not None:
            found.append((_normalize_key(str(key)), cred))
    return found


def _split_host(host: str) -> tuple[list[str], str]:
    name, _, port = host.partition(":")
    return name.split("."), port


def key_matches(key: str, image: ImageRef) -> bool:
    """Kubernetes' URLsMatch: host parts glob-match one by one, same port, path prefix."""
    key_host, _, key_path = key.partition("/")
    image_host = image.registry
    image_path = image.repository
    if image.registry == DOCKER_HUB and key_host == HUB_KEY:
        key_host = DOCKER_HUB
    key_parts, key_port = _split_host(key_host)
    image_parts, image_port = _split_host(image_host)
    if key_port != image_port or len(key_parts) != len(image_parts):
        return False
    if not all(fnmatch.fnmatchcase(part, glob) for glob, part in zip(key_parts, image_parts, strict=True)):
        return False
    return image_path.startswith(key_path)


class Keyring:
    """Every credential of a pod's pull secrets, looked up per image."""

    def __init__(self, pairs: list[tuple[str, Credential]] | None = None) -> None:
        self._creds: dict[str, list[Credential]] = {}
        for key, cred in pairs or []:
            self._creds.setdefault(key, []).append(cred)
        self._index = sorted(self._creds, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._creds)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keyring) and self._creds == other._creds

    __hash__ = None  # type: ignore[assignment]

    def lookup(self, image: ImageRef) -> list[Credential]:
        """The credentials to try for `image`, most specific first ([]: pull anonymously)."""
        found = [cred for key in self._index if key_matches(key, image) for cred in self._creds[key]]
        if not found and image.registry == DOCKER_HUB:
            found = list(self._creds.get(HUB_KEY, []))
        return found
