"""`--encryption-provider-config`: Kubernetes' EncryptionConfiguration, read into provider chains.

The file is the one kube-apiserver reads (apiserver.config.k8s.io/v1):

    kind: EncryptionConfiguration
    apiVersion: apiserver.config.k8s.io/v1
    resources:
      - resources: [secrets]            # group-resources: "secrets", "deployments.apps", "*.apps", "*.*"
        providers:
          - aescbc: {keys: [{name: key1, secret: <base64 of 32 random bytes>}]}
          - identity: {}

Each resource gets the providers of the first entry that names it (as upstream:
a resource named twice is an error). KMS providers need a plugin over gRPC and
are refused with one line rather than silently writing plaintext.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Any

import yaml

from kube.api.registry import KINDS, KindInfo
from kube.apiserver.storage.encryption_providers import (
    AES_KEY_SIZES,
    AESCBC,
    SECRETBOX_KEY_SIZE,
    AESGCMTransformer,
    Identity,
    ProviderChain,
    SecretBox,
    Transformer,
)

API_VERSIONS = ("apiserver.config.k8s.io/v1",)
_KEYED = {"aescbc": (AESCBC, AES_KEY_SIZES), "aesgcm": (AESGCMTransformer, AES_KEY_SIZES),
          "secretbox": (SecretBox, (SECRETBOX_KEY_SIZE,))}


class EncryptionConfigError(ValueError):
    """The file is not a valid EncryptionConfiguration (one line, naming the field)."""


def load(path: str) -> dict[str, ProviderChain]:
    """Store key prefix -> its provider chain, for every registered kind the file covers."""
    try:
        doc = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise EncryptionConfigError(f"--encryption-provider-config: cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise EncryptionConfigError(f"--encryption-provider-config: {path} is not YAML or JSON: {exc}") from None
    return parse(doc, KINDS)


def ensure_default(path: Path) -> Path:
    """A config with one fresh aescbc key for Secrets, written once (0600, the key is in it).

    identity second: Secrets a cluster stored before encryption was on still read, and
    are encrypted the next time they are written."""
    if path.exists():
        return path
    key = base64.b64encode(os.urandom(32)).decode()
    text = ("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
            "- resources: [secrets]\n  providers:\n"
            f"  - aescbc:\n      keys:\n      - name: key1\n        secret: {key}\n  - identity: {{}}\n")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def parse(doc: Any, kinds: tuple[KindInfo, ...]) -> dict[str, ProviderChain]:
    if not isinstance(doc, dict) or doc.get("kind") != "EncryptionConfiguration":
        raise EncryptionConfigError('--encryption-provider-config: kind must be "EncryptionConfiguration"')
    if doc.get("apiVersion") not in API_VERSIONS:
        raise EncryptionConfigError(f"--encryption-provider-config: apiVersion must be {API_VERSIONS[0]}, "
                                    f"got {doc.get('apiVersion')!r}")
    entries = doc.get("resources")
    if not isinstance(entries, list) or not entries:
        raise EncryptionConfigError("resources: Required value: resources is a required field")
    chains: dict[str, ProviderChain] = {}
    claimed: dict[str, str] = {}
    for i, entry in enumerate(entries):
        path = f"resources[{i}]"
        if not isinstance(entry, dict):
            raise EncryptionConfigError(f"{path}: Invalid value: must be an object")
        names = entry.get("resources")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            raise EncryptionConfigError(f"{path}.resources: Required value: a list of resource names is required")
        chain = ProviderChain(_providers(entry.get("providers"), f"{path}.providers"))
        for j, name in enumerate(names):
            for kind in kinds:
                if _matches(name, kind) and kind.key_prefix() not in chains:
                    chains[kind.key_prefix()] = chain
            if name in claimed:
                raise EncryptionConfigError(f"{path}.resources[{j}]: Duplicate value: {name!r} "
                                            f"(already in {claimed[name]})")
            claimed[name] = f"{path}.resources"
    return chains


def _matches(name: str, kind: KindInfo) -> bool:
    resource, _, group = name.partition(".")
    if resource == "*":
        return group == "*" or group == kind.group
    return resource == kind.plural and group == kind.group


def _providers(value: Any, path: str) -> tuple[Transformer, ...]:
    if not isinstance(value, list) or not value:
        raise EncryptionConfigError(f"{path}: Required value: at least one provider is required")
    out: list[Transformer] = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or len(item) != 1:
            raise EncryptionConfigError(f"{path}[{i}]: Invalid value: exactly one provider must be set "
                                        "(aescbc, aesgcm, secretbox or identity)")
        (kind, spec), = item.items()
        if kind == "identity":
            out.append(Identity())
        elif kind in _KEYED:
            out.extend(_keys(kind, spec, f"{path}[{i}].{kind}"))
        elif kind == "kms":
            raise EncryptionConfigError(f"{path}[{i}].kms: Unsupported value: KMS plugins are not supported "
                                        "here; use aescbc, aesgcm or secretbox")
        else:
            raise EncryptionConfigError(f'{path}[{i}]: Unsupported value: "{kind}": supported values: "aescbc", '
                                        '"aesgcm", "secretbox", "identity"')
    return tuple(out)


def _keys(kind: str, spec: Any, path: str) -> list[Transformer]:
    cls, sizes = _KEYED[kind]
    keys = spec.get("keys") if isinstance(spec, dict) else None
    if not isinstance(keys, list) or not keys:
        raise EncryptionConfigError(f"{path}.keys: Required value: at least one key is required")
    out: list[Transformer] = []
    seen: set[str] = set()
    for i, key in enumerate(keys):
        kpath = f"{path}.keys[{i}]"
        name = key.get("name") if isinstance(key, dict) else None
        if not isinstance(name, str) or not name:
            raise EncryptionConfigError(f"{kpath}.name: Required value: key name is required")
        if ":" in name:
            raise EncryptionConfigError(f'{kpath}.name: Invalid value: "{name}": should not contain ":"')
        if name in seen:
            raise EncryptionConfigError(f'{kpath}.name: Duplicate value: "{name}"')
        seen.add(name)
        try:
            secret = base64.b64decode(str(key.get("secret") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise EncryptionConfigError(f'{kpath}.secret: Invalid value: "REDACTED": secrets must be base64 '
                                        "encoded") from None
        if len(secret) not in sizes:
            raise EncryptionConfigError(f'{kpath}.secret: Invalid value: "REDACTED": secret is not of the expected '
                                        f"length, got {len(secret)}, expected one of {list(sizes)}")
        out.append(cls(name, secret))
    return out
