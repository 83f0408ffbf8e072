"""Under the Builtin policy (today's default) every user may still ask about itself, as
system:basic-user grants under RBAC, and the fixed roles answer the reviews."""

from __future__ import annotations

from pathlib import Path

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import READER_TOKEN, Api, ca_file, client_session

SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


def _ssar(verb: str, resource: str) -> dict[str, object]:
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": verb, "resource": resource, "namespace": "default"}}}


async def test_a_read_only_user_may_ask_what_it_may_do(server: APIServer, pki_dir: Path) -> None:
    async with client_session(server.url, ca_file(pki_dir), READER_TOKEN) as s:
        api = Api(s, server)
        status, body = await api.post(SSAR, _ssar("list", "pods"))
        assert status == 201 and body["status"]["allowed"] is True
        status, body = await api.post(SSAR, _ssar("delete", "pods"))
        assert status == 201 and body["status"]["allowed"] is False
        status, body = await api.post("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                      {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
        assert status == 201 and body["status"]["userInfo"]["username"] == "reader"
        status, body = await api.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": "x", "resourceAttributes": {"verb": "get", "resource": "pods"}}})
        assert status == 403  # asking about others is not for everyone
        status, body = await api.post(SSAR, {"apiVersion": "authorization.k8s.io/v1",
                                             "kind": "SelfSubjectAccessReview", "spec": {}})
        assert status == 422 and body["reason"] == "Invalid"
