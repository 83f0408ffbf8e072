"""Authentication: client certificate first, then bearer token (static, then bootstrap token, then
ServiceAccount JWT), else anonymous (None)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube.apiserver.auth.bootstrap_tokens import BootstrapTokens
from kube.apiserver.auth.client_certs import user_from_peercert
from kube.apiserver.auth.serviceaccount_tokens import ServiceAccountTokens
from kube.apiserver.auth.tokens import TokenAuthenticator, load_token_file
from kube.apiserver.auth.user import UserInfo


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, val in headers.items():
            if key.lower() == lowered:
                return val
    return value


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    value = _header(headers, "Authorization")
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


class Authenticator:
    """Built once at start from `--token-auth-file` and `--client-ca-file`.

    With no client CA, certificates are ignored (the TLS layer did not verify
    them). A wrong token is a failed authentication (None -> 401), not a fall
    back to anonymous.
    """

    def __init__(self, token_file: str | None = None, client_ca_file: str | None = None,
                 service_accounts: ServiceAccountTokens | None = None,
                 bootstrap_tokens: BootstrapTokens | None = None) -> None:
        self._tokens = TokenAuthenticator(load_token_file(token_file) if token_file else {})
        self._trust_certs = bool(client_ca_file)
        self.service_accounts = service_accounts  # None: no --service-account-key-file, no JWTs accepted
        self.bootstrap_tokens = bootstrap_tokens  # None: --enable-bootstrap-token-auth off

    def authenticate(self, headers: Mapping[str, str], peercert: dict[str, Any] | None) -> UserInfo | None:
        if self._trust_certs:
            user = user_from_peercert(peercert)
            if user is not None:
                return user.with_authenticated()
        token = bearer_token(headers)
        return self.authenticate_token(token) if token is not None else None

    def authenticate_token(self, token: str) -> UserInfo | None:
        """A bearer token's user (static, bootstrap, then ServiceAccount JWT); TokenReview asks this too."""
        user = self._tokens.authenticate(token)
        if user is None and self.bootstrap_tokens is not None:
            user = self.bootstrap_tokens.authenticate(token)
        if user is None and self.service_accounts is not None:
            user = self.service_accounts.authenticate(token)
        return user.with_authenticated() if user is not None else None
