"""The certificatesigningrequests table (printCertificateSigningRequest): NAME AGE SIGNERNAME
REQUESTOR REQUESTEDDURATION CONDITION."""

from __future__ import annotations

from kube.api.age import age_since, human_duration
from kube.api.certificates import state_text
from kube.api.meta import Obj
from kube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, meta, section

COLUMNS = (
    NAME,
    AGE,
    Column("SignerName", description="signerName indicates the requested signer, and is a qualified name."),
    Column("Requestor", description="request contains an x509 certificate signing request encoded in a "
           "\"CERTIFICATE REQUEST\" PEM block. When serialized as JSON or YAML, the data is additionally "
           "base64-encoded."),
    Column("RequestedDuration", description="expirationSeconds is the requested duration of validity of the "
           "issued certificate."),
    Column("Condition", description="conditions applied to the request. Known conditions are \"Approved\", "
           "\"Denied\", and \"Failed\"."),
)


def _row(csr: Obj, now: float) -> list[Cell]:
    spec = section(csr, "spec")
    seconds = spec.get("expirationSeconds")
    duration = human_duration(seconds) if isinstance(seconds, int) and not isinstance(seconds, bool) else "<none>"
    signer = spec.get("signerName")
    return [meta(csr).get("name", ""), age_since(meta(csr).get("creationTimestamp"), now),
            signer if isinstance(signer, str) and signer else "<none>", str(spec.get("username") or ""),
            duration, state_text(csr)]


PRINTERS = {("certificates.k8s.io", "CertificateSigningRequest"): Printer(COLUMNS, _row)}
