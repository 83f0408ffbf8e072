"""--rotate-server-certificates on a real `kube node --simulated`: the node server starts on a
self-signed certificate, asks for a kubernetes.io/kubelet-serving one that nobody approves
automatically, keeps serving the self-signed one while it waits, and once an operator runs
`kubectl certificate approve` serves the CA-signed one from the same listener (no restart)."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from kube.node.certificate_store import SERVER_PREFIX, CertificateStore
from tests.apiserver import conftest as apiserver_fixtures
from tests.apiserver.certificates import conftest as certificate_fixtures
from tests.apiserver.certificates.conftest import certificate_controllers
from tests.apiserver.conftest import ca_file, eventually
from tests.apiserver.rbac.conftest import Cluster
from tests.conftest import free_port
from tests.node.test_certificate_rotation import CSRS, NODE, _bootstrap_token, node_agent

cluster = certificate_fixtures.cluster
pki_dir = apiserver_fixtures.pki_dir


async def _served_certificate(port: int) -> x509.Certificate:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
    return x509.load_der_x509_certificate(der)


async def test_the_serving_certificate_waits_for_approval_and_is_swapped_in_live(cluster: Cluster) -> None:
    await _bootstrap_token(cluster)
    port = free_port()
    ca = x509.load_pem_x509_certificate(open(ca_file(cluster.pki), "rb").read())
    async with certificate_controllers(cluster), node_agent(cluster, port, "--rotate-server-certificates") \
            as (_, root), cluster.api() as admin:
        async def serving_csr() -> dict[str, Any] | None:
            status, csrs = await admin.get(CSRS)
            found = [c for c in csrs.get("items", []) if c["spec"]["signerName"] == "kubernetes.io/kubelet-serving"]
            return found[0] if found else None

        csr = await eventually(serving_csr, timeout=60, interval=0.5)
        assert csr["spec"]["username"] == f"system:node:{NODE}"
        assert csr["spec"]["usages"] == ["digital signature", "server auth"]
        await asyncio.sleep(2)  # the controller manager runs: a kubelet-serving CSR stays undecided
        assert not (await admin.get(f"{CSRS}/{csr['metadata']['name']}"))[1]["status"].get("conditions")
        before = await _served_certificate(port)
        assert before.issuer == before.subject  # self-signed meanwhile
        assert before.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value.startswith(f"{NODE}@")

        await cluster.kubectl("kube-admin", "certificate", "approve", csr["metadata"]["name"])

        async def swapped() -> x509.Certificate | None:
            served = await _served_certificate(port)
            return served if served.issuer == ca.subject else None

        served = await eventually(swapped, timeout=60, interval=0.5)
        assert served.subject.rfc4514_string() == f"CN=system:node:{NODE},O=system:nodes"
        sans = served.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert NODE in sans.get_values_for_type(x509.DNSName)
        assert "127.0.0.1" in [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)]
        current = CertificateStore(root / "pki", SERVER_PREFIX).current()
        assert current is not None and current.cert.serial_number == served.serial_number
