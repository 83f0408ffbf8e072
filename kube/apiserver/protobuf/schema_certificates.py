"""certificates.k8s.io/v1 messages: CertificateSigningRequest (`kubectl certificate approve|deny`
PUTs it to /approval as protobuf).

Field numbers read from kubernetes/api certificates/v1 generated.proto. spec.extra (6, a map of
ExtraValue) is left out, so skipped: the server sets it itself on create and keeps the stored
spec on every update. Format: see kube/apiserver/protobuf/schema.py.
"""

CERTIFICATES_MESSAGES: dict[str, str] = {
    "CertificateSigningRequest": (
        "1 metadata ObjectMeta, 2 spec CertificateSigningRequestSpec, 3 status CertificateSigningRequestStatus"
    ),
    "CertificateSigningRequestSpec": (
        "1 request bytes, 7 signerName string, 8 expirationSeconds int32!, 5 usages string*, "
        "2 username string, 3 uid string, 4 groups string*"
    ),
    "CertificateSigningRequestStatus": "1 conditions CertificateSigningRequestCondition*, 2 certificate bytes",
    "CertificateSigningRequestCondition": (
        "1 type string!, 6 status string!, 2 reason string, 3 message string, "
        "4 lastUpdateTime Time, 5 lastTransitionTime Time"
    ),
}
