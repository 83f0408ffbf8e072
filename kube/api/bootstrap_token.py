"""Bootstrap tokens: `kube-system` Secrets of type `bootstrap.kubernetes.io/token`, as Kubernetes'
`k8s.io/cluster-bootstrap` (token/api, token/util, secret util) defines them.

A token is `<id>.<secret>` (6 and 16 of [a-z0-9]); its Secret is `bootstrap-token-<id>`. One
home for the format, shared by the API server's authenticator, `kube token` and the
controller manager's token cleaner.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from datetime import UTC, datetime
from typing import Any

SECRET_TYPE = "bootstrap.kubernetes.io/token"
NAMESPACE = "kube-system"
SECRET_PREFIX = "bootstrap-token-"
USER_PREFIX = "system:bootstrap:"
GROUP = "system:bootstrappers"
DEFAULT_GROUP = "system:bootstrappers:kubeadm:default-node-token"  # kubeadm's, so its habits carry over
ID_KEY, SECRET_KEY, EXPIRATION_KEY, DESCRIPTION_KEY = "token-id", "token-secret", "expiration", "description"
GROUPS_KEY = "auth-extra-groups"
USAGE_PREFIX = "usage-bootstrap-"
USAGES = ("authentication", "signing")
TOKEN = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")
TOKEN_ID = re.compile(r"^[a-z0-9]{6}$")
EXTRA_GROUP = re.compile(r"^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def parse_token(token: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed token, else None."""
    found = TOKEN.match(token)
    return (found.group(1), found.group(2)) if found else None


def generate_token() -> str:
    pick = lambda n: "".join(secrets.choice(_ALPHABET) for _ in range(n))  # noqa: E731
    return f"{pick(6)}.{pick(16)}"


def secret_name(token_id: str) -> str:
    return SECRET_PREFIX + token_id


def data_of(secret: dict[str, Any]) -> dict[str, str]:
    """The Secret's data decoded as text; a value that is not base64 UTF-8 reads as ""."""
    data = secret.get("data")
    out: dict[str, str] = {}
    for key, value in (data if isinstance(data, dict) else {}).items():
        try:
            out[str(key)] = base64.b64decode(value, validate=True).decode() if isinstance(value, str) else ""
        except (binascii.Error, ValueError):
            out[str(key)] = ""
    return out


def expiration_of(data: dict[str, str]) -> datetime | None:
    """The expiration (None: never); ValueError when it is not RFC 3339."""
    text = data.get(EXPIRATION_KEY, "")
    if not text:
        return None
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"expiration {text!r} has no time zone")
    return when


def has_expired(data: dict[str, str], now: datetime | None = None) -> bool:
    """As Kubernetes' HasExpired: past its expiration, or an expiration that does not parse."""
    try:
        when = expiration_of(data)
    except ValueError:
        return True
    return when is not None and (now or datetime.now(UTC)) >= when


def groups_of(data: dict[str, str]) -> list[str] | None:
    """system:bootstrappers and the auth-extra-groups; None when an extra group is malformed."""
    groups = [GROUP]
    for group in (g.strip() for g in data.get(GROUPS_KEY, "").split(",")):
        if not group:
            continue
        if not EXTRA_GROUP.match(group):
            return None
        if group not in groups:
            groups.append(group)
    return groups


def usages_of(data: dict[str, str]) -> list[str]:
    return sorted(k[len(USAGE_PREFIX):] for k, v in data.items() if k.startswith(USAGE_PREFIX) and v == "true")


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def token_secret(token: str, usages: list[str], groups: list[str], description: str = "",
                 expiration: datetime | None = None) -> dict[str, Any]:
    """The Secret `kubeadm token create` writes for a token."""
    parsed = parse_token(token)
    if parsed is None:
        raise ValueError(f"the token {token!r} does not match the pattern [a-z0-9]{{6}}.[a-z0-9]{{16}}")
    token_id, token_secret_value = parsed
    data = {ID_KEY: token_id, SECRET_KEY: token_secret_value}
    if description:
        data[DESCRIPTION_KEY] = description
    if expiration is not None:
        data[EXPIRATION_KEY] = rfc3339(expiration)
    for usage in usages:
        data[USAGE_PREFIX + usage] = "true"
    if groups:
        data[GROUPS_KEY] = ",".join(groups)
    return {"apiVersion": "v1", "kind": "Secret", "type": SECRET_TYPE,
            "metadata": {"name": secret_name(token_id), "namespace": NAMESPACE},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}
