"""A user's uid and extra, as Kubernetes' user.Info carries them: from the token file, from
`--as-uid` / `--as-user-extra` (the Impersonate-Uid and Impersonate-Extra-* headers, each
authorized as `impersonate` on uids and userextras), to `kubectl auth whoami` and the
SubjectAccessReview."""

from __future__ import annotations

import json

from tests.apiserver.rbac.conftest import Cluster

SAR = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
RBAC = "/apis/rbac.authorization.k8s.io/v1"


async def _impersonator(rbac: Cluster, *rules: str) -> None:
    """Grant carol `impersonate` on each `resource[=name]` (one ClusterRole and binding apiece; kubectl's
    `create clusterrole` knows only discovered resources, and uids/userextras are not served ones)."""
    async with rbac.api() as admin:
        for rule in rules:
            resource, _, name = rule.partition("=")
            plural, _, group = resource.partition(".")
            role = f"imp-{plural.replace('/', '-')}"
            status, body = await admin.post(f"{RBAC}/clusterroles", {"metadata": {"name": role}, "rules": [{
                "apiGroups": [group], "resources": [plural], "verbs": ["impersonate"],
                **({"resourceNames": [name]} if name else {})}]})
            assert status == 201, json.dumps(body)
            status, body = await admin.post(f"{RBAC}/clusterrolebindings", {
                "metadata": {"name": f"carol-{role}"}, "subjects": [{"kind": "User", "name": "carol"}],
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}})
            assert status == 201, json.dumps(body)


async def test_whoami_shows_the_token_files_uid(rbac: Cluster) -> None:
    out = json.loads((await rbac.kubectl("jane", "auth", "whoami", "-o", "json")).stdout)
    assert out["status"]["userInfo"] == {"username": "jane", "uid": "jane", "groups": ["system:authenticated"]}


async def test_as_uid_and_as_user_extra_need_impersonate_and_reach_whoami(rbac: Cluster) -> None:
    await _impersonator(rbac, "users=jane")
    as_uid = ("--as=jane", "--as-uid=1234")
    refused = await rbac.kubectl("carol", *as_uid, "get", "pods", ok=False)
    assert refused.returncode == 1 and "Error from server (Forbidden)" in refused.stderr
    async with rbac.api("carol") as carol:  # kubectl prints "unknown" for this one: the Status itself
        status, body = await carol.get("/api/v1/namespaces/default/pods",
                                       headers={"Impersonate-User": "jane", "Impersonate-Uid": "1234"})
        assert status == 403 and body["message"] == (
            'uids.authentication.k8s.io "1234" is forbidden: User "carol" cannot impersonate resource "uids" in API '
            'group "authentication.k8s.io" at the cluster scope')
    await _impersonator(rbac, "uids.authentication.k8s.io=1234")
    extra = ("--as-user-extra=reason=debugging", "--as-user-extra=reason=oncall")
    refused = await rbac.kubectl("carol", *as_uid, *extra, "get", "pods", ok=False)
    assert refused.returncode == 1 and "Error from server (Forbidden)" in refused.stderr
    async with rbac.api("carol") as carol:
        status, body = await carol.get("/api/v1/namespaces/default/pods", headers={
            "Impersonate-User": "jane", "Impersonate-Uid": "1234", "Impersonate-Extra-Reason": "debugging"})
        assert status == 403 and body["message"] == (
            'userextras.authentication.k8s.io "debugging" is forbidden: User "carol" cannot impersonate resource '
            '"userextras/reason" in API group "authentication.k8s.io" at the cluster scope')
    await _impersonator(rbac, "userextras/reason.authentication.k8s.io")  # as Kubernetes' docs grant it
    out = json.loads((await rbac.kubectl("carol", *as_uid, *extra, "auth", "whoami", "-o", "json")).stdout)
    assert out["status"]["userInfo"] == {"username": "jane", "uid": "1234", "groups": ["system:authenticated"],
                                         "extra": {"reason": ["debugging", "oncall"]}}
    table = (await rbac.kubectl("carol", *as_uid, *extra, "auth", "whoami")).stdout
    assert "1234" in table and "debugging" in table
    bare = await rbac.kubectl("carol", "--as-uid=1234", "get", "pods", ok=False)
    assert bare.returncode == 1  # a uid without a user to impersonate is refused before anything runs


async def test_subject_access_review_takes_uid_and_extra(rbac: Cluster) -> None:
    async with rbac.api() as admin:
        spec = {"user": "jane", "uid": "1", "extra": {"scopes": ["a"]},
                "resourceAttributes": {"verb": "get", "resource": "pods", "namespace": "default"}}
        status, body = await admin.post(SAR, {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                                              "spec": spec})
        assert status == 201 and body["status"]["allowed"] is False
        status, body = await admin.post(SAR, {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                                              "spec": {**spec, "extra": {"scopes": "a"}}})
        assert status == 422 and body["reason"] == "Invalid" and "spec.extra" in body["message"]
