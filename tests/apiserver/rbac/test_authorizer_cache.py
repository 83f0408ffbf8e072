"""The RBAC authorizer's index and decision cache follow every change of a Role or binding;
rule matching as Kubernetes (subresources, `*`, resourceNames, non-resource URLs)."""

from __future__ import annotations

from kube.apiserver.auth.authorizer import Decision
from kube.apiserver.auth.user import UserInfo
from kube.apiserver.rbac.rules import Request, Rule, covers
from tests.apiserver.rbac.policy_fixture import binding, filled, put, role

AUTH = ("system:authenticated",)


def test_a_decision_follows_role_and_binding_changes() -> None:
    cache, authz = filled(50)
    user = UserInfo("user-7", AUTH)
    get_pods = Request("get", "pods", namespace="ns-7")
    assert authz.authorize(user, get_pods)[0] is Decision.ALLOW
    assert authz.authorize(user, Request("get", "pods", namespace="ns-8"))[0] is Decision.NO_OPINION
    delete = Request("delete", "pods", namespace="ns-7", name="p")
    assert authz.authorize(user, delete)[0] is Decision.NO_OPINION  # cached as no
    put(cache, role("ns-7", "role-7", ["pods"], ["get", "list", "delete"]))
    assert authz.authorize(user, delete)[0] is Decision.ALLOW  # the role changed: the cache was dropped
    put(cache, binding("ns-7", "binding-7", "role-7", "someone-else"))
    assert authz.authorize(user, get_pods)[0] is Decision.NO_OPINION  # the binding moved away


def test_groups_service_accounts_and_cluster_bindings() -> None:
    cache, authz = filled(1)
    sa = UserInfo("system:serviceaccount:ns-0:robot", ("system:serviceaccounts", "system:serviceaccounts:ns-0", *AUTH))
    req = Request("list", "pods", namespace="ns-0")
    assert authz.authorize(sa, req)[0] is Decision.NO_OPINION
    put(cache, {**binding("ns-0", "robot", "role-0", "x"), "subjects": [{"kind": "ServiceAccount", "name": "robot"}]})
    assert authz.authorize(sa, req)[0] is Decision.ALLOW  # a subject's namespace defaults to the binding's
    # the bootstrap policy: discovery for everyone authenticated, all for system:masters' binding
    assert authz.authorize(UserInfo("anyone", AUTH), Request("get", path="/apis/apps"))[0] is Decision.ALLOW
    assert authz.authorize(UserInfo("anyone", AUTH), Request("get", path="/metrics"))[0] is Decision.NO_OPINION
    root = UserInfo("root", ("system:masters",))
    assert authz.authorize(root, Request("delete", "nodes", name="n"))[0] is Decision.ALLOW


def test_rule_matching_as_kubernetes() -> None:
    rule = Rule.of({"apiGroups": ["apps"], "resources": ["deployments", "deployments/scale"], "verbs": ["get"],
                    "resourceNames": ["web"]})
    assert rule.allows(Request("get", "deployments", group="apps", name="web"))
    assert rule.allows(Request("get", "deployments", "scale", group="apps", name="web"))
    assert not rule.allows(Request("get", "deployments", "status", group="apps", name="web"))
    assert not rule.allows(Request("get", "deployments", group="apps", name="api"))
    assert not rule.allows(Request("list", "deployments", group="apps"))
    star_scale = Rule.of({"apiGroups": ["*"], "resources": ["*/scale"], "verbs": ["*"]})
    assert star_scale.allows(Request("update", "replicasets", "scale", group="apps", name="r"))
    assert not star_scale.allows(Request("update", "replicasets", group="apps", name="r"))
    urls = Rule.of({"nonResourceURLs": ["/healthz/*", "/version"], "verbs": ["get"]})
    assert urls.allows(Request("get", path="/healthz/etcd")) and urls.allows(Request("get", path="/version"))
    assert not urls.allows(Request("get", path="/versions"))


def test_covers_is_what_escalation_prevention_compares() -> None:
    held = [Rule.of({"apiGroups": [""], "resources": ["pods", "secrets"], "verbs": ["get", "list"]})]
    assert covers(held, Rule.of({"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}))
    assert covers(held, Rule.of({"apiGroups": [""], "resources": ["pods"], "verbs": ["get"], "resourceNames": ["a"]}))
    assert not covers(held, Rule.of({"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]}))
    assert not covers(held, Rule.of({"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}))
    assert not covers(held, Rule.of({"apiGroups": ["apps"], "resources": ["pods"], "verbs": ["get"]}))
