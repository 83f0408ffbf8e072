"""Users from TLS client certificates: CN is the user, each O a group (as Kubernetes' x509 authenticator).

The TLS layer has already verified the chain against `--client-ca-file`
(ssl.CERT_OPTIONAL); here we only read the subject of `getpeercert()`.
"""

from __future__ import annotations

from typing import Any

from kube.apiserver.auth.user import UserInfo


def user_from_peercert(peercert: dict[str, Any] | None) -> UserInfo | None:
    if not peercert:
        return None
    name = ""
    groups: list[str] = []
    for rdn in peercert.get("subject", ()):
        for attr, value in rdn:
            if attr == "commonName" and not name:
                name = value
            elif attr == "organizationName":
                groups.append(value)
    if not name:
        return None
    return UserInfo(name, tuple(groups))
