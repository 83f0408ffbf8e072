"""authentication.k8s.io/v1 messages: TokenRequest (`kubectl create token` sends it as protobuf).

Field numbers read from kubernetes/api authentication/v1 generated.proto (TokenRequestSpec's
field 2 is retired), pointer/omitempty from its types.go; checked against kubectl's own body
by tests/apiserver/subresources/test_token_request.py. Format: see kube/apiserver/protobuf/schema.py.
"""

AUTHENTICATION_MESSAGES: dict[str, str] = {
    "TokenRequest": "1 metadata ObjectMeta, 2 spec TokenRequestSpec, 3 status TokenRequestStatus",
    "TokenRequestSpec": "1 audiences string*, 3 boundObjectRef BoundObjectReference, 4 expirationSeconds int64!",
    "BoundObjectReference": "1 kind string, 2 apiVersion string, 3 name string, 4 uid string",
    "TokenRequestStatus": "1 token string!, 2 expirationTimestamp Time",
}
