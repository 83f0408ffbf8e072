"""Authentication (bearer tokens, client certificates), authorization and the cluster's PKI.

The API server core calls `Authenticator.authenticate` on every request, then
`authorize` (resource requests) or `authorize_non_resource` (other URLs).
"""

from kube.apiserver.auth.authenticator import Authenticator, bearer_token
from kube.apiserver.auth.authorizer import authorize, authorize_non_resource, is_anonymous_path
from kube.apiserver.auth.tokens import TokenFileError
from kube.apiserver.auth.user import UserInfo

__all__ = ["Authenticator", "UserInfo", "TokenFileError", "authorize", "authorize_non_resource",
           "is_anonymous_path", "bearer_token"]
