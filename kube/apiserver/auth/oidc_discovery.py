"""ServiceAccount issuer discovery: `/.well-known/openid-configuration` and `/openid/v1/jwks`,
so that others (a cloud's workload identity, Vault) can verify our ServiceAccount tokens
as OIDC ID tokens. Kubernetes grants both to `system:service-account-issuer-discovery`
(bound to every ServiceAccount); here any authenticated user may read them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kube.apiserver.auth.serviceaccount_tokens import ServiceAccountTokens

CONFIGURATION_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/openid/v1/jwks"
OIDC_PATHS = frozenset({CONFIGURATION_PATH, JWKS_PATH})


def oidc_document(request: web.Request, tokens: ServiceAccountTokens, path: str) -> dict[str, Any]:
    """The discovery document (its jwks_uri on the host the client reached) or the key set."""
    if path == CONFIGURATION_PATH:
        return tokens.openid_configuration(f"https://{request.host}")
    return tokens.jwks()
