"""The bootstrap policy: Kubernetes' roles under their own names, reconciled at every start
without losing a user's changes, and left alone when autoupdate is "false"."""

from __future__ import annotations

from kube.api.rbac_aggregation import aggregated_rules
from kube.apiserver.rbac.policy import bootstrap_objects
from kube.apiserver.server import APIServer
from tests.apiserver.conftest import Api, ca_file, client_session, server_config
from tests.apiserver.rbac.conftest import Cluster, token_file

CR = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
CRB = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"


async def test_kubernetes_roles_and_bindings_are_there(rbac: Cluster) -> None:
    async with rbac.api() as api:
        _, roles = await api.get(CR)
        names = {r["metadata"]["name"] for r in roles["items"]}
        assert {"cluster-admin", "admin", "edit", "view", "system:basic-user", "system:discovery",
                "system:public-info-viewer", "system:kube-scheduler", "system:kube-controller-manager",
                "system:node-proxier", "system:node", "system:controller:deployment-controller"} <= names
        _, view = await api.get(f"{CR}/view")
        assert view["aggregationRule"]["clusterRoleSelectors"] == [
            {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}]
        assert {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]} in view["rules"]
        assert not any("secrets" in r.get("resources", ()) for r in view["rules"])  # view reads no Secrets
        _, binding = await api.get(f"{CRB}/system:kube-scheduler")
        assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                                        "name": "system:kube-scheduler"}]
        assert binding["metadata"]["labels"] == {"kubernetes.io/bootstrapping": "rbac-defaults"}


async def _restart(rbac: Cluster) -> APIServer:
    await rbac.server.stop()
    srv = APIServer(server_config(rbac.pki, rbac.tmp, token_auth_file=str(token_file(rbac.tmp / "tokens.csv")),
                                  authorization_mode="Node,RBAC", secure_port=rbac.server.config.secure_port))
    await srv.start()
    rbac.server = srv
    return srv


async def test_a_restart_adds_back_what_is_missing_and_keeps_what_a_user_added(rbac: Cluster) -> None:
    extra = {"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get"]}
    async with rbac.api() as api:
        _, basic = await api.get(f"{CR}/system:basic-user")
        basic["rules"] = [basic["rules"][0], extra]  # one rule dropped, one added
        assert (await api.put(f"{CR}/system:basic-user", basic))[0] == 200
        _, disc = await api.get(f"{CR}/system:discovery")
        disc["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] = "false"
        disc["rules"] = [{"nonResourceURLs": ["/version"], "verbs": ["get"]}]
        assert (await api.put(f"{CR}/system:discovery", disc))[0] == 200
        assert (await api.delete(f"{CRB}/system:kube-scheduler"))[0] == 200
    srv = await _restart(rbac)
    async with client_session(srv.url, ca_file(rbac.pki), "jane-token-0123456789") as s:
        jane = Api(s, srv)
        status, _ = await jane.get("/apis")
        assert status == 403  # system:discovery was narrowed and told not to be updated
    async with rbac.api() as api:
        _, basic = await api.get(f"{CR}/system:basic-user")
        assert extra in basic["rules"] and len(basic["rules"]) == 3  # restored, and the user's rule kept
        _, disc = await api.get(f"{CR}/system:discovery")
        assert disc["rules"] == [{"nonResourceURLs": ["/version"], "verbs": ["get"]}]
        assert (await api.get(f"{CRB}/system:kube-scheduler"))[0] == 200  # a deleted binding comes back


def test_the_policy_is_kubernetes_shaped() -> None:
    objs = bootstrap_objects()
    kinds = {o["kind"] for o in objs}
    assert kinds == {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
    roles = [o for o in objs if o["kind"] == "ClusterRole"]
    refs = {o["roleRef"]["name"] for o in objs if o["kind"] == "ClusterRoleBinding"}
    assert refs <= {r["metadata"]["name"] for r in roles}  # every binding names a role of the policy
    admin = next(r for r in roles if r["metadata"]["name"] == "admin")
    rules = aggregated_rules(admin, roles) or []
    assert {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings", "roles"],
            "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]} in rules
    assert any("secrets" in r["resources"] and "create" in r["verbs"] for r in rules)  # through edit
