"""Authentication (token file, client-cert subjects) and the fixed authorizer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.apiserver.auth import (
    Authenticator,
    TokenFileError,
    UserInfo,
    authorize,
    authorize_non_resource,
    bearer_token,
)
from kube.apiserver.auth.tokens import parse_token_file

TOKENS = '''# comment
admintoken,alice,1,"system:masters,dev"

viewtoken,bob,2,kube:read-only
nodetoken,system:node:n1,3,system:nodes
plain,carol,4
'''


@pytest.fixture
def authn(tmp_path) -> Authenticator:
    path = tmp_path / "tokens.csv"
    path.write_text(TOKENS)
    return Authenticator(str(path), None)


def test_token_file_users_and_groups(authn: Authenticator) -> None:
    alice = authn.authenticate({"Authorization": "Bearer admintoken"}, None)
    assert alice == UserInfo("alice", ("system:masters", "dev", "system:authenticated"), uid="1")  # the file's uid column
    carol = authn.authenticate({"authorization": "bearer plain"}, None)
    assert carol is not None and carol.name == "carol" and carol.groups == ("system:authenticated",)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic YTpi"},
                                     {"Authorization": "Bearer "}, {"Authorization": "admintoken"}])
def test_missing_or_wrong_token_is_not_authenticated(authn: Authenticator, headers: dict[str, str]) -> None:
    assert authn.authenticate(headers, None) is None


def test_client_cert_subject_needs_a_client_ca(authn: Authenticator, tmp_path) -> None:
    peer = {"subject": ((("organizationName", "system:nodes"),), (("commonName", "system:node:n2"),))}
    assert authn.authenticate({}, peer) is None  # no --client-ca-file: certificates are not trusted
    with_ca = Authenticator(None, str(tmp_path / "ca.crt"))
    assert with_ca.authenticate({}, peer) == UserInfo("system:node:n2", ("system:nodes", "system:authenticated"))
    assert with_ca.authenticate({}, {"subject": ((("organizationName", "x"),),)}) is None
    assert with_ca.authenticate({}, {}) is None


@pytest.mark.parametrize(("text", "words"), [
    ("tok,user\n", "expected at least 3 columns"),
    (",user,1\n", "must not be empty"),
    ("a,u,1\na,v,2\n", "duplicate token"),
])
def test_bad_token_files_name_the_line(text: str, words: str) -> None:
    with pytest.raises(TokenFileError, match=words):
        parse_token_file(text, "tokens.csv")


def test_unreadable_token_file(tmp_path) -> None:
    with pytest.raises(TokenFileError, match="cannot read token file"):
        Authenticator(str(tmp_path / "absent.csv"))


_TOKEN_CHARS = st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), blacklist_characters=',"#')


@given(st.text(alphabet=_TOKEN_CHARS, min_size=1), st.text(alphabet="abcdefghij:-", min_size=1))
def test_token_round_trip(token: str, user: str) -> None:
    """Any token written to the file authenticates its user, and only that token does."""
    entries = parse_token_file(f"{token},{user},1\n")
    assert entries[token].user.name == user
    assert bearer_token({"Authorization": f"Bearer {token}"}) == token
    assert token + "x" not in entries


ADMIN = UserInfo("alice", ("system:masters",))
NODE = UserInfo("system:node:n1", ("system:nodes", "system:authenticated"))
VIEWER = UserInfo("bob", ("kube:read-only",))
SCHED = UserInfo("system:kube-scheduler", ())
CM = UserInfo("system:kube-controller-manager", ())
NOBODY = UserInfo("carol", ("system:authenticated",))


@pytest.mark.parametrize(("user", "verb", "resource", "sub", "ns", "group", "allowed"), [
    (ADMIN, "delete", "namespaces", "", "", "", True),
    (ADMIN, "create", "pods", "binding", "default", "", True),
    (NODE, "get", "pods", "", "default", "", True),
    (NODE, "watch", "services", "", "", "", True),
    (NODE, "create", "nodes", "", "", "", True),
    (NODE, "patch", "nodes", "status", "", "", True),
    (NODE, "update", "leases", "", "kube-node-lease", "coordination.k8s.io", True),
    (NODE, "update", "leases", "", "kube-system", "coordination.k8s.io", False),
    (NODE, "patch", "pods", "status", "default", "", True),
    (NODE, "delete", "pods", "", "default", "", True),
    (NODE, "create", "events", "", "default", "", True),
    (NODE, "create", "pods", "binding", "default", "", False),
    (NODE, "create", "pods", "", "default", "", False),
    (NODE, "update", "deployments", "", "default", "apps", False),
    (NODE, "delete", "namespaces", "", "", "", False),
    (VIEWER, "list", "pods", "", "", "", True),
    (VIEWER, "watch", "deployments", "", "default", "apps", True),
    (VIEWER, "create", "configmaps", "", "default", "", False),
    (VIEWER, "patch", "nodes", "", "", "", False),
    (SCHED, "create", "pods", "binding", "default", "", True),
    (SCHED, "list", "nodes", "", "", "", True),
    (SCHED, "update", "leases", "", "kube-system", "coordination.k8s.io", True),
    (SCHED, "create", "events", "", "default", "", True),
    (SCHED, "create", "deployments", "", "default", "apps", False),
    (UserInfo("x", ("system:kube-scheduler",)), "create", "pods", "binding", "default", "", True),
    (CM, "create", "pods", "", "default", "", True),
    (CM, "delete", "namespaces", "", "", "", True),
    (NOBODY, "get", "pods", "", "default", "", False),
    (NOBODY, "list", "namespaces", "", "", "", False),
])
def test_authorizer_roles(user: UserInfo, verb: str, resource: str, sub: str, ns: str, group: str,
                          allowed: bool) -> None:
    assert authorize(user, verb, resource, sub, ns, group) is allowed


@pytest.mark.parametrize(("path", "anonymous", "authenticated"), [
    ("/healthz", True, True), ("/livez", True, True), ("/readyz", True, True), ("/version", True, True),
    ("/version/", True, True), ("/metrics", False, True), ("/api", False, True), ("/apis/apps/v1", False, True),
    ("/openapi/v3", False, True), ("/openapi/v3/api/v1", False, True), ("/debug/pprof", False, False),
    ("/", False, False),
])
def test_non_resource_urls(path: str, anonymous: bool, authenticated: bool) -> None:
    assert authorize_non_resource(None, path) is anonymous
    assert authorize_non_resource(NOBODY, path) is authenticated
