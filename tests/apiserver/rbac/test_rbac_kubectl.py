"""RBAC with the real kubectl: Roles grant exactly their rules, the 403s read as Kubernetes',
`auth can-i [--list] [--as]`, `auth whoami`, escalation prevention and impersonation."""

from __future__ import annotations

import json

from tests.apiserver.rbac.conftest import Cluster


async def _team(rbac: Cluster) -> None:
    await rbac.kubectl("kube-admin", "create", "namespace", "team")
    await rbac.kubectl("kube-admin", "create", "namespace", "other")


async def test_a_role_grants_get_and_list_of_pods_in_its_namespace_only(rbac: Cluster) -> None:
    await _team(rbac)
    created = await rbac.kubectl("kube-admin", "-n", "team", "create", "role", "pod-reader", "--verb=get,list",
                                 "--resource=pods", "-v=8")
    assert "Content-Type: application/vnd.kubernetes.protobuf" in created.stderr  # the protobuf path was taken
    bound = await rbac.kubectl("kube-admin", "-n", "team", "create", "rolebinding", "jane-reads", "--role=pod-reader",
                               "--user=jane", "-v=8")
    assert "Content-Type: application/vnd.kubernetes.protobuf" in bound.stderr
    role = json.loads((await rbac.kubectl("kube-admin", "-n", "team", "get", "role", "pod-reader", "-o", "json")).stdout)
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
    binding = json.loads((await rbac.kubectl("kube-admin", "-n", "team", "get", "rolebinding", "jane-reads",
                                             "-o", "json")).stdout)
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"}
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"}]

    assert "No resources found" in (await rbac.kubectl("jane", "-n", "team", "get", "pods")).stderr
    other = await rbac.kubectl("jane", "-n", "other", "get", "pods", ok=False)
    assert other.returncode == 1
    assert ('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" '
            'in the namespace "other"') in other.stderr
    secret = await rbac.kubectl("jane", "-n", "team", "get", "secret", "x", ok=False)
    assert ('secrets "x" is forbidden: User "jane" cannot get resource "secrets" in API group "" in the namespace '
            '"team"') in secret.stderr
    deploy = await rbac.kubectl("jane", "-n", "team", "create", "deployment", "d", "--image=x", ok=False)
    assert 'User "jane" cannot create resource "deployments" in API group "apps"' in deploy.stderr


async def test_can_i_list_as_a_service_account_shows_exactly_its_rules(rbac: Cluster) -> None:
    await _team(rbac)
    async with rbac.api() as api:
        status, _ = await api.post("/api/v1/namespaces/team/serviceaccounts", {"metadata": {"name": "sa"}})
        assert status == 201
    await rbac.kubectl("kube-admin", "-n", "team", "create", "role", "pod-reader", "--verb=get,list",
                       "--resource=pods")
    await rbac.kubectl("kube-admin", "-n", "team", "create", "rolebinding", "sa-reads", "--role=pod-reader",
                       "--serviceaccount=team:sa")
    sa = "--as=system:serviceaccount:team:sa"
    listed = (await rbac.kubectl("kube-admin", "-n", "team", "auth", "can-i", "--list", sa)).stdout
    lines = [line.split() for line in listed.splitlines()[1:]]
    assert ["pods", "[]", "[]", "[get", "list]"] in lines
    # what every authenticated user may do (system:basic-user, system:discovery), and nothing else
    resources = {line[0] for line in lines if not line[0].startswith("[")}
    assert resources == {"pods", "selfsubjectreviews.authentication.k8s.io",
                         "selfsubjectaccessreviews.authorization.k8s.io",
                         "selfsubjectrulesreviews.authorization.k8s.io"}
    yes = await rbac.kubectl("kube-admin", "-n", "team", "auth", "can-i", "get", "pods", sa, "-v=8")
    assert yes.stdout.strip() == "yes" and "application/vnd.kubernetes.protobuf" in yes.stderr
    no = await rbac.kubectl("kube-admin", "-n", "team", "auth", "can-i", "delete", "pods", sa, ok=False)
    assert no.returncode == 1 and no.stdout.strip() == "no"
    elsewhere = await rbac.kubectl("kube-admin", "-n", "other", "auth", "can-i", "get", "pods", sa, ok=False)
    assert elsewhere.stdout.strip() == "no"


async def test_whoami_names_the_user_and_groups(rbac: Cluster) -> None:
    out = json.loads((await rbac.kubectl("jane", "auth", "whoami", "-o", "json")).stdout)
    assert out["kind"] == "SelfSubjectReview"
    assert out["status"]["userInfo"]["username"] == "jane"
    assert out["status"]["userInfo"]["groups"] == ["system:authenticated"]
    table = (await rbac.kubectl("kube-admin", "auth", "whoami")).stdout
    assert "kube-admin" in table and "system:masters" in table


async def test_a_namespace_admin_may_bind_edit_there_but_not_cluster_admin(rbac: Cluster) -> None:
    await _team(rbac)
    await rbac.kubectl("kube-admin", "-n", "team", "create", "rolebinding", "bob-admin", "--clusterrole=admin",
                       "--user=bob")
    await rbac.kubectl("bob", "-n", "team", "create", "rolebinding", "carol-edit", "--clusterrole=edit",
                       "--user=carol")
    assert (await rbac.kubectl("carol", "-n", "team", "auth", "can-i", "create", "deployments")).stdout.strip() == "yes"
    refused = await rbac.kubectl("bob", "-n", "team", "create", "rolebinding", "carol-root",
                                 "--clusterrole=cluster-admin", "--user=carol", ok=False)
    assert refused.returncode == 1
    assert ('rolebindings.rbac.authorization.k8s.io "carol-root" is forbidden: user "bob" (groups=["system:authenticated"]) '
            'is attempting to grant RBAC permissions not currently held') in refused.stderr
    # a server-side dry run runs the same admission: refused alike, and nothing is written either way
    dry = await rbac.kubectl("bob", "-n", "team", "create", "rolebinding", "carol-root", "--clusterrole=cluster-admin",
                             "--user=carol", "--dry-run=server", ok=False)
    assert dry.returncode == 1 and "attempting to grant RBAC permissions not currently held" in dry.stderr
    await rbac.kubectl("bob", "-n", "team", "create", "rolebinding", "carol-view", "--clusterrole=view",
                       "--user=carol", "--dry-run=server")
    listed = await rbac.kubectl("kube-admin", "-n", "team", "get", "rolebindings", "-o", "name")
    assert sorted(listed.stdout.split()) == ["rolebinding.rbac.authorization.k8s.io/bob-admin",
                                             "rolebinding.rbac.authorization.k8s.io/carol-edit"]
    elsewhere = await rbac.kubectl("bob", "-n", "other", "create", "rolebinding", "carol-edit", "--clusterrole=edit",
                                   "--user=carol", ok=False)
    assert 'cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "other"' \
        in elsewhere.stderr
    # a Role granting more than bob holds is refused too; with `escalate` it is not
    wider = await rbac.kubectl("bob", "-n", "team", "create", "role", "nodes", "--verb=get", "--resource=nodes",
                               ok=False)
    assert "attempting to grant RBAC permissions not currently held" in wider.stderr
    await rbac.kubectl("kube-admin", "create", "clusterrole", "escalator", "--verb=escalate",
                       "--resource=roles.rbac.authorization.k8s.io")
    await rbac.kubectl("kube-admin", "-n", "team", "create", "rolebinding", "bob-escalates", "--clusterrole=escalator",
                       "--user=bob")
    await rbac.kubectl("bob", "-n", "team", "create", "role", "nodes", "--verb=get", "--resource=nodes")


async def test_impersonation_needs_the_impersonate_verb(rbac: Cluster) -> None:
    await _team(rbac)
    await rbac.kubectl("kube-admin", "-n", "team", "create", "role", "pod-reader", "--verb=get,list",
                       "--resource=pods")
    await rbac.kubectl("kube-admin", "-n", "team", "create", "rolebinding", "jane-reads", "--role=pod-reader",
                       "--user=jane")
    refused = await rbac.kubectl("carol", "-n", "team", "--as=jane", "get", "pods", ok=False)
    assert ('users "jane" is forbidden: User "carol" cannot impersonate resource "users" in API group "" at the '
            'cluster scope') in refused.stderr
    await rbac.kubectl("kube-admin", "create", "clusterrole", "impersonator", "--verb=impersonate",
                       "--resource=users", "--resource-name=jane")
    await rbac.kubectl("kube-admin", "create", "clusterrolebinding", "carol-impersonates", "--clusterrole=impersonator",
                       "--user=carol")
    assert "No resources found" in (await rbac.kubectl("carol", "-n", "team", "--as=jane", "get", "pods")).stderr
    # as jane, carol has jane's rights only; a group she may not impersonate is refused
    denied = await rbac.kubectl("carol", "-n", "team", "--as=jane", "get", "secrets", ok=False)
    assert 'User "jane" cannot list resource "secrets"' in denied.stderr
    group = await rbac.kubectl("carol", "-n", "team", "--as=jane", "--as-group=system:masters", "get", "pods", ok=False)
    assert 'groups "system:masters" is forbidden: User "carol" cannot impersonate resource "groups"' in group.stderr
    other = await rbac.kubectl("carol", "--as=bob", "get", "pods", ok=False)
    assert 'users "bob" is forbidden' in other.stderr


async def test_a_role_with_an_unknown_verb_is_stored_and_grants_nothing(rbac: Cluster) -> None:
    """As Kubernetes: verbs are free strings (extension APIs authorize their own), only an empty list is invalid."""
    roles = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles"
    async with rbac.api() as api:
        status, body = await api.post(roles, {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "typo"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["gets"]}]})
        assert status == 201 and body["rules"][0]["verbs"] == ["gets"]
    await rbac.kubectl("kube-admin", "create", "rolebinding", "jane-typo", "--role=typo", "--user=jane")
    refused = await rbac.kubectl("jane", "get", "pods", ok=False)
    assert 'User "jane" cannot list resource "pods"' in refused.stderr
    assert (await rbac.kubectl("jane", "auth", "can-i", "get", "pods", ok=False)).stdout.strip() == "no"
    async with rbac.api() as api:
        for rule, field in (({"apiGroups": [""], "resources": ["pods"], "verbs": []}, "rules[0].verbs"),
                            ({"apiGroups": [], "resources": ["pods"], "verbs": ["get"]}, "rules[0].apiGroups"),
                            ({"apiGroups": [""], "resources": [], "verbs": ["get"]}, "rules[0].resources")):
            status, body = await api.post(roles, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                                                  "metadata": {"name": "bad"}, "rules": [rule]})
            assert status == 422 and body["details"]["causes"][0]["field"] == field, body
        status, body = await api.post("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "urls"},
            "rules": [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]})
        assert status == 422 and "namespaced rules cannot apply to non-resource URLs" in body["message"]
        status, body = await api.post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "x"}, "subjects": []})
        assert status == 422 and body["details"]["causes"][0]["field"] == "roleRef.kind"
