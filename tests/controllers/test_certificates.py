"""The certificate controllers' pure parts: what csrapproving decides for a CSR, what csrsigning
does with one, the certificate the authority issues, and when tokencleaner deletes a token."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from hypothesis import given, settings
from hypothesis import strategies as st

from kube.api import bootstrap_token as bt
from kube.api import certificates as csrs
from kube.controllers.certificates.approver import BOOTSTRAP, SELF, approval_plan
from kube.controllers.certificates.authority import Authority, AuthorityError
from kube.controllers.certificates.cleaner import should_delete
from kube.controllers.certificates.signer import signing_plan
from kube.controllers.certificates.token_cleaner import seconds_left
from tests.apiserver.certificates.requests import csr_body, new_key, node_client_request, request_b64

NODE_GROUPS = ["system:nodes", "system:authenticated"]
BOOT_GROUPS = ["system:bootstrappers", bt.DEFAULT_GROUP, "system:authenticated"]
KEY = new_key()
REQUESTS = {n: node_client_request(n, KEY) for n in ("n1", "n2")}


def _csr(node: str, user: str, groups: list[str], usages: list[str], signer: str = csrs.KUBE_APISERVER_CLIENT_KUBELET,
         **status: object) -> dict:
    body = csr_body("c", REQUESTS[node], signer, usages, username=user, groups=groups)
    body["status"] = dict(status)
    return body


@settings(max_examples=60, deadline=None)
@given(node=st.sampled_from(["n1", "n2"]), requester=st.sampled_from(["system:node:n1", "system:bootstrap:abcdef"]),
       usages=st.lists(st.sampled_from(["client auth", "digital signature", "key encipherment", "server auth"]),
                       unique=True))
def test_a_node_is_never_approved_for_another_name_and_only_client_usages_are(node: str, requester: str,
                                                                              usages: list[str]) -> None:
    groups = NODE_GROUPS if requester.startswith("system:node:") else BOOT_GROUPS
    plan = approval_plan(_csr(node, requester, groups, usages))
    client_only = "client auth" in usages and "server auth" not in usages
    own = requester == f"system:node:{node}"
    if not client_only:
        assert plan.deny.startswith("not a node client certificate request: usages did not match") and not plan.checks
    elif requester.startswith("system:node:") and not own:
        assert "may only renew its own" in plan.deny and not plan.checks
    else:
        assert not plan.deny and plan.checks == ((SELF, BOOTSTRAP) if own else (BOOTSTRAP,))


def test_decided_issued_or_foreign_requests_are_left_alone() -> None:
    approved = {"conditions": [{"type": "Approved", "status": "True"}]}
    assert approval_plan(_csr("n1", "system:node:n1", NODE_GROUPS, ["client auth"], **approved)) == approval_plan({})
    assert not approval_plan(_csr("n1", "jane", [], ["server auth"])).deny  # not a node nor a token: ignored
    serving = _csr("n1", "system:bootstrap:abcdef", BOOT_GROUPS, ["server auth"], signer=csrs.KUBELET_SERVING)
    assert approval_plan(serving) == approval_plan({})  # an operator's call
    custom = _csr("n1", "system:bootstrap:abcdef", BOOT_GROUPS, ["client auth"], signer="example.com/x")
    assert approval_plan(custom) == approval_plan({})


def test_signing_plan() -> None:
    approved = {"conditions": [{"type": "Approved", "status": "True"}]}
    assert signing_plan(_csr("n1", "u", [], ["client auth"], **approved)) == ("sign", "")
    assert signing_plan(_csr("n1", "u", [], ["client auth"])) is None  # not approved
    assert signing_plan(_csr("n1", "u", [], ["client auth"], certificate="eA==", **approved)) is None
    assert signing_plan(_csr("n1", "u", [], ["client auth"], signer="example.com/x", **approved)) is None
    assert signing_plan(_csr("n1", "u", [], ["server auth"], **approved)) == (
        "fail", "usages did not match [client auth digital signature key encipherment]")
    failed = {"conditions": [*approved["conditions"], {"type": "Failed", "status": "True"}]}
    assert signing_plan(_csr("n1", "u", [], ["client auth"], **failed)) is None


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    from kube.apiserver.auth.pki import ensure_pki

    path = tmp_path_factory.mktemp("ca")
    ensure_pki(str(path), ["127.0.0.1"])
    return Authority.load(str(path / "ca.crt"), str(path / "ca.key"), max_duration=24 * 3600.0)


@settings(max_examples=25, deadline=None)
@given(seconds=st.one_of(st.none(), st.integers(600, 10 * 86400)))
def test_a_certificate_lives_the_shorter_of_asked_and_allowed(authority: Authority, seconds: int | None) -> None:
    now = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
    request = csrs.parse_request(request_b64(KEY, "system:node:n1", ("system:nodes",), dns=("n1",)))
    cert = x509.load_pem_x509_certificate(authority.sign(request, ["digital signature", "server auth"], seconds, now))
    life = min(seconds or 24 * 3600, 24 * 3600)
    backdate = dt.timedelta(minutes=5) if life >= 8 * 3600 else dt.timedelta(0)
    assert cert.not_valid_before_utc == now - backdate
    assert cert.not_valid_after_utc == now + dt.timedelta(seconds=life)
    assert cert.subject == request.subject and cert.issuer == authority.certificate.subject
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ["n1"]


def test_unusable_signing_files_are_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("nope")
    with pytest.raises(AuthorityError, match="cannot read"):
        Authority.load(str(tmp_path / "missing.crt"), str(tmp_path / "bad.pem"))
    with pytest.raises(AuthorityError, match="not a PEM certificate"):
        Authority.load(str(tmp_path / "bad.pem"), str(tmp_path / "bad.pem"))


def test_the_token_cleaner_waits_until_expiry() -> None:
    now = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
    token = "abcdef.0123456789abcdef"

    def secret(expires: dt.datetime | None, kind: str = bt.SECRET_TYPE) -> dict:
        return {**bt.token_secret(token, ["authentication"], [], "", expires), "type": kind}

    assert seconds_left(secret(now - dt.timedelta(seconds=1)), now) == 0
    assert seconds_left(secret(now + dt.timedelta(seconds=90)), now) == 90
    assert seconds_left(secret(None), now) is None
    assert seconds_left(secret(now - dt.timedelta(days=1), "Opaque"), now) is None
    broken = secret(None)
    broken["data"][bt.EXPIRATION_KEY] = "bm90LWEtZGF0ZQ=="  # "not-a-date": expired, as Kubernetes
    assert seconds_left(broken, now) == 0


def test_the_csr_cleaner_removes_finished_and_forgotten_requests(authority: Authority) -> None:
    now = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)

    def stamp(delta: dt.timedelta) -> str:
        return (now - delta).strftime("%Y-%m-%dT%H:%M:%SZ")

    def csr(created: dt.timedelta, kind: str = "", updated: dt.timedelta = dt.timedelta(0), cert: str = "") -> dict:
        body = csr_body("c", REQUESTS["n1"], csrs.KUBE_APISERVER_CLIENT_KUBELET, ["client auth"])
        body["metadata"]["creationTimestamp"] = stamp(created)
        body["status"] = {"conditions": [{"type": kind, "status": "True", "lastUpdateTime": stamp(updated)}]} \
            if kind else {}
        if cert:
            body["status"]["certificate"] = cert
        return body

    request = csrs.parse_request(REQUESTS["n1"])
    live = base64.b64encode(authority.sign(request, ["client auth"], 3600, now)).decode()
    dead = base64.b64encode(authority.sign(request, ["client auth"], 600, now - dt.timedelta(hours=2))).decode()
    minute, hours = dt.timedelta(minutes=1), dt.timedelta(hours=2)
    assert not should_delete(csr(hours), now) and should_delete(csr(dt.timedelta(hours=25)), now)
    assert should_delete(csr(hours, "Denied", hours), now) and not should_delete(csr(hours, "Denied", minute), now)
    assert should_delete(csr(hours, "Failed", hours), now)
    assert not should_delete(csr(hours, "Approved", hours), now)  # approved, not yet issued: the signer's turn
    assert should_delete(csr(hours, "Approved", hours, live), now)
    assert not should_delete(csr(minute, "Approved", minute, live), now)
    assert should_delete(csr(minute, "Approved", minute, dead), now)  # its certificate has expired
