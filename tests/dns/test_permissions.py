"""kube dns, as system:kube-dns, may do what its publisher does (the kube-dns Service, its own
EndpointSlice, in kube-system) and no more, under both the Builtin policy and RBAC's bootstrap."""

from __future__ import annotations

from kube.apiserver.auth.authorizer import Decision, authorize
from kube.apiserver.auth.user import UserInfo
from kube.apiserver.rbac.rules import Request
from tests.apiserver.rbac.policy_fixture import filled

DNS = UserInfo("system:kube-dns")
NEEDED = [("get", "services", "", "kube-system"), ("create", "services", "", "kube-system"),
          ("get", "endpointslices", "discovery.k8s.io", "kube-system"),
          ("create", "endpointslices", "discovery.k8s.io", "kube-system"),
          ("update", "endpointslices", "discovery.k8s.io", "kube-system"),
          ("delete", "endpointslices", "discovery.k8s.io", "kube-system"),
          ("list", "services", "", ""), ("watch", "endpointslices", "discovery.k8s.io", "")]
REFUSED = [("create", "services", "", "default"), ("delete", "services", "", "kube-system"),
           ("update", "endpointslices", "discovery.k8s.io", "default"), ("create", "pods", "", "kube-system")]


def test_builtin_policy() -> None:
    for verb, resource, group, namespace in NEEDED:
        assert authorize(DNS, verb, resource, namespace=namespace, group=group), (verb, resource, namespace)
    for verb, resource, group, namespace in REFUSED:
        assert not authorize(DNS, verb, resource, namespace=namespace, group=group), (verb, resource, namespace)


def test_rbac_bootstrap_policy() -> None:
    _cache, rbac = filled(0)
    user = DNS.with_authenticated()

    def allowed(verb: str, resource: str, group: str, namespace: str) -> bool:
        req = Request(verb, resource, namespace=namespace, group=group, name="kube-dns" if namespace else "")
        return rbac.authorize(user, req)[0] == Decision.ALLOW

    for case in NEEDED:
        assert allowed(*case), case
    for case in REFUSED:
        assert not allowed(*case), case
