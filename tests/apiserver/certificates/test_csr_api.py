"""The CertificateSigningRequest API as Kubernetes serves it: the requester's identity set by the
server, validation, /approval guarded by `approve` on signers, /status keeping the approval,
`kubectl get csr`, `kubectl certificate approve|deny` and the Python client."""

from __future__ import annotations

import asyncio
import base64

from kubernetes import client, config

from tests.apiserver.certificates.requests import csr_body, new_key, node_client_request, request_b64
from tests.apiserver.conftest import Api
from tests.apiserver.rbac.conftest import Cluster

CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
RBAC = "/apis/rbac.authorization.k8s.io/v1"
SIGNER = "example.com/widgets"


async def grant(admin: Api, name: str, user: str, rules: list[dict]) -> None:
    role = {"metadata": {"name": name}, "rules": rules}
    assert (await admin.post(f"{RBAC}/clusterroles", role))[0] == 201
    binding = {"metadata": {"name": name}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                                       "name": name},
               "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user}]}
    assert (await admin.post(f"{RBAC}/clusterrolebindings", binding))[0] == 201


def _csr_rule(resources: list[str], verbs: list[str], **extra: list[str]) -> dict:
    return {"apiGroups": ["certificates.k8s.io"], "resources": resources, "verbs": verbs, **extra}


async def test_the_requester_is_the_servers_to_say_and_nothing_starts_approved(cluster: Cluster) -> None:
    async with cluster.api() as admin:
        await grant(admin, "jane-csr", "jane", [_csr_rule(["certificatesigningrequests"], ["create", "get"])])
    body = csr_body("mine", request_b64(new_key(), "jane"), SIGNER, ["client auth"], username="system:node:n1",
                    uid="x", groups=["system:masters"], extra={"k": ["v"]})
    body["status"] = {"conditions": [{"type": "Approved", "status": "True", "reason": "Mine"}]}
    async with cluster.api("jane") as jane:
        status, csr = await jane.post(CSRS, body)
    assert status == 201, csr
    assert csr["spec"]["username"] == "jane" and csr["spec"]["uid"] == "jane"
    assert csr["spec"]["groups"] == ["system:authenticated"] and "extra" not in csr["spec"]
    assert csr["status"] == {}
    async with cluster.api() as admin:  # an update of the object itself keeps spec and status
        csr["spec"]["username"] = "someone-else"
        csr["status"] = {"certificate": base64.b64encode(b"x").decode()}
        csr["metadata"]["labels"] = {"a": "b"}
        status, updated = await admin.put(f"{CSRS}/mine", csr)
    assert status == 200 and updated["spec"]["username"] == "jane" and updated["status"] == {}
    assert updated["metadata"]["labels"] == {"a": "b"}


async def test_validation_as_kubernetes(cluster: Cluster) -> None:
    good = request_b64(new_key(), "v")
    certificate_pem = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()
    cases = [
        (csr_body("v1", base64.b64encode(b"not a pem").decode(), SIGNER, ["client auth"]), "spec.request",
         "PEM block type must be CERTIFICATE REQUEST"),
        (csr_body("v2", certificate_pem, SIGNER, ["client auth"]), "spec.request",
         "PEM block type must be CERTIFICATE REQUEST"),
        (csr_body("v3", good, SIGNER, ["client auth", "flying"]), "spec.usages[1]", 'Unsupported value: "flying"'),
        (csr_body("v4", good, SIGNER, ["client auth", "client auth"]), "spec.usages[1]", "Duplicate value"),
        (csr_body("v5", good, SIGNER, []), "spec.usages", "Required value"),
        (csr_body("v6", good, "", ["client auth"]), "spec.signerName", "Required value"),
        (csr_body("v7", good, "widgets", ["client auth"]), "spec.signerName",
         "must be a fully qualified domain and path of the form 'example.com/signer-name'"),
        (csr_body("v8", good, SIGNER, ["client auth"], expirationSeconds=599), "spec.expirationSeconds",
         "may not specify a duration less than 600 seconds (10 minutes)"),
        (csr_body("v9", good, "kubernetes.io/legacy-unknown", ["client auth"]), "spec.signerName",
         "the legacy signerName is not allowed via this API version"),
    ]
    async with cluster.api() as admin:
        for body, field, words in cases:
            status, answer = await admin.post(CSRS, body)
            assert status == 422 and answer["reason"] == "Invalid", answer
            assert answer["details"]["group"] == "certificates.k8s.io", answer
            assert any(c["field"] == field and words in answer["message"] for c in answer["details"]["causes"]), \
                (field, answer["message"])
        masters = csr_body("v10", request_b64(new_key(), "root", ("system:masters",)),
                           "kubernetes.io/kube-apiserver-client", ["client auth"])
        status, answer = await admin.post(CSRS, masters)
        assert (status, answer["reason"]) == (403, "Forbidden")
        assert "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed" \
            in answer["message"]


async def test_approval_needs_approve_on_the_signer_and_stays(cluster: Cluster) -> None:
    async with cluster.api() as admin:
        assert (await admin.post(CSRS, csr_body("w", request_b64(new_key(), "w"), SIGNER, ["client auth"])))[0] == 201
        await grant(admin, "jane-approval", "jane", [
            _csr_rule(["certificatesigningrequests"], ["get"]),
            _csr_rule(["certificatesigningrequests/approval", "certificatesigningrequests/status"], ["update"])])
        async with cluster.api("jane") as jane:
            csr = (await jane.get(f"{CSRS}/w"))[1]
            csr["status"] = {"conditions": [{"type": "Approved", "status": "True", "reason": "Jane"}]}
            status, answer = await jane.put(f"{CSRS}/w/approval", csr)
            assert status == 403, answer
            assert answer["message"] == ('certificatesigningrequests.certificates.k8s.io "w" is forbidden: '
                                         f'user not permitted to approve requests with signerName "{SIGNER}"')
            await grant(admin, "jane-signers", "jane", [{"apiGroups": ["certificates.k8s.io"], "resources": ["signers"],
                                                         "resourceNames": ["example.com/*"], "verbs": ["approve"]}])
            status, approved = await jane.put(f"{CSRS}/w/approval", csr)
            assert status == 200, approved
            condition = approved["status"]["conditions"][0]
            assert condition["type"] == "Approved" and condition["lastUpdateTime"] and condition["lastTransitionTime"]

            both = {**approved, "status": {"conditions": [*approved["status"]["conditions"],
                                                          {"type": "Denied", "status": "True"}]}}
            status, answer = await jane.put(f"{CSRS}/w/approval", both)
            assert status == 422 and "Approved and Denied conditions are mutually exclusive" in answer["message"]
            status, answer = await jane.put(f"{CSRS}/w/approval", {**approved, "status": {"conditions": []}})
            assert status == 422 and 'updates may not remove a condition of type "Approved"' in answer["message"]
            # /status keeps the approval as stored: whoever signs cannot approve or deny
            denied = {**approved, "status": {"conditions": [{"type": "Denied", "status": "True"}]}}
            status, answer = await jane.put(f"{CSRS}/w/status", denied)
            assert status == 200 and [c["type"] for c in answer["status"]["conditions"]] == ["Approved"]
            issued = base64.b64encode((cluster.pki / "ca.crt").read_bytes()).decode()  # any valid certificate
            status, answer = await jane.put(f"{CSRS}/w/status",
                                            {**approved, "status": {**approved["status"], "certificate": issued}})
            assert status == 403 and f'user not permitted to sign requests with signerName "{SIGNER}"' \
                in answer["message"]


async def test_kubectl_get_approve_deny_and_the_python_client(cluster: Cluster) -> None:
    async with cluster.api() as admin:
        for name in ("k1", "k2"):
            body = csr_body(name, node_client_request(name), "kubernetes.io/kube-apiserver-client-kubelet",
                            ["client auth"], expirationSeconds=3600)
            assert (await admin.post(CSRS, body))[0] == 201
    out = (await cluster.kubectl("kube-admin", "get", "csr")).stdout.splitlines()
    assert out[0].split() == ["NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"]
    assert out[1].split()[2:] == ["kubernetes.io/kube-apiserver-client-kubelet", "kube-admin", "60m", "Pending"]
    done = await cluster.kubectl("kube-admin", "certificate", "approve", "k1")
    assert done.stdout.strip() == "certificatesigningrequest.certificates.k8s.io/k1 approved"
    done = await cluster.kubectl("kube-admin", "certificate", "deny", "k2")
    assert done.stdout.strip() == "certificatesigningrequest.certificates.k8s.io/k2 denied"
    out = (await cluster.kubectl("kube-admin", "get", "csr", "--no-headers")).stdout.splitlines()
    assert [line.split()[-1] for line in out] == ["Approved", "Denied"]
    done = await cluster.kubectl("kube-admin", "certificate", "approve", "k2", ok=False)
    assert done.returncode != 0 and "already Denied" in done.stderr

    api = client.CertificatesV1Api(config.new_client_from_config(config_file=str(cluster.kubeconfig("kube-admin"))))
    csr = await asyncio.to_thread(api.read_certificate_signing_request, "k1")
    assert csr.spec.username == "kube-admin" and csr.status.conditions[0].reason == "KubectlApprove"
    body = client.V1CertificateSigningRequest(
        metadata=client.V1ObjectMeta(name="py"), spec=client.V1CertificateSigningRequestSpec(
            request=node_client_request("py"), signer_name="kubernetes.io/kube-apiserver-client-kubelet",
            usages=["client auth"], username="not-me"))
    made = await asyncio.to_thread(api.create_certificate_signing_request, body)
    assert made.spec.username == "kube-admin"
    made.status.conditions = [client.V1CertificateSigningRequestCondition(type="Denied", status="True",
                                                                          reason="PyDeny", message="no")]
    denied = await asyncio.to_thread(api.replace_certificate_signing_request_approval, "py", made)
    assert denied.status.conditions[0].type == "Denied" and denied.status.conditions[0].last_update_time


async def test_lists_select_on_the_signer(cluster: Cluster) -> None:
    async with cluster.api() as admin:
        for name, signer in (("s1", SIGNER), ("s2", "example.com/other")):
            assert (await admin.post(CSRS, csr_body(name, request_b64(new_key(), name), signer, ["client auth"])))[0] \
                == 201
        status, found = await admin.get(f"{CSRS}?fieldSelector=spec.signerName%3D{SIGNER}")
        assert status == 200 and [c["metadata"]["name"] for c in found["items"]] == ["s1"]
        status, answer = await admin.get(f"{CSRS}?fieldSelector=spec.username%3Dx")
        assert status == 400 and "field label not supported: spec.username" in answer["message"]


async def test_malformed_bodies_are_a_status_never_a_500(cluster: Cluster) -> None:
    good = request_b64(new_key(), "h")
    bodies = [
        {"metadata": {"name": "h1"}, "spec": "nope"},
        {"metadata": {"name": "h2"}, "spec": {"request": 7, "signerName": SIGNER, "usages": ["client auth"]}},
        {"metadata": {"name": "h3"}, "spec": {"request": good, "signerName": SIGNER, "usages": "client auth"}},
        {"metadata": {"name": "h4"}, "spec": {"request": "%%%", "signerName": ["x"], "usages": [3],
                                             "expirationSeconds": "long"}},
    ]
    async with cluster.api() as admin:
        for body in bodies:
            status, answer = await admin.post(CSRS, {"apiVersion": "certificates.k8s.io/v1",
                                                     "kind": "CertificateSigningRequest", **body})
            assert status == 422 and answer["kind"] == "Status" and answer["reason"] == "Invalid", answer
        assert (await admin.post(CSRS, csr_body("h5", good, SIGNER, ["client auth"])))[0] == 201
        csr = (await admin.get(f"{CSRS}/h5"))[1]
        for status_part in ("junk", {"conditions": "junk"}, {"conditions": ["junk", {"type": 5}]}):
            status, answer = await admin.put(f"{CSRS}/h5/approval", {**csr, "status": status_part})
            assert status in (200, 422) and answer["kind"] in ("Status", "CertificateSigningRequest"), answer
            assert status != 200 or not answer["status"].get("conditions")


async def test_a_condition_without_status_is_true_and_keeps_its_transition_time(cluster: Cluster) -> None:
    async with cluster.api() as admin:
        assert (await admin.post(CSRS, csr_body("t", request_b64(new_key(), "t"), SIGNER, ["client auth"])))[0] == 201
        csr = (await admin.get(f"{CSRS}/t"))[1]
        csr["status"] = {"conditions": [{"type": "Approved", "reason": "Ok", "message": "first"}]}
        status, first = await admin.put(f"{CSRS}/t/approval", csr)
        assert status == 200 and first["status"]["conditions"][0]["status"] == "True", first
        again = {**first, "status": {"conditions": [{"type": "Approved", "reason": "Ok", "message": "again",
                                                     "lastUpdateTime": "2030-01-01T00:00:00Z"}]}}
        status, second = await admin.put(f"{CSRS}/t/approval", again)
        cond = second["status"]["conditions"][0]
        assert status == 200 and cond["message"] == "again" and cond["lastUpdateTime"] == "2030-01-01T00:00:00Z"
        assert cond["lastTransitionTime"] == first["status"]["conditions"][0]["lastTransitionTime"]
