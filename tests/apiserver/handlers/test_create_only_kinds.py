"""The review kinds (SubjectAccessReview and its kin, TokenReview) are create-only, as in
Kubernetes: a get, list, watch, update or delete on them is 405 MethodNotAllowed, never an
empty list or a 404 that reads as "no such object"."""

from __future__ import annotations

import pytest

from kube.api import registry
from kube.api.registry import KindInfo
from tests.apiserver.conftest import Api

CREATE_ONLY = [k for k in registry.KINDS if k.verbs == ("create",)]


def collection(kind: KindInfo) -> str:
    base = f"/apis/{kind.group}/{kind.version}" if kind.group else f"/api/{kind.version}"
    return f"{base}/namespaces/default/{kind.plural}" if kind.namespaced else f"{base}/{kind.plural}"


def test_the_review_kinds_are_the_create_only_ones() -> None:
    assert {"SubjectAccessReview", "SelfSubjectAccessReview", "TokenReview"} <= {k.kind for k in CREATE_ONLY}


@pytest.mark.parametrize("kind", CREATE_ONLY, ids=lambda k: k.kind)
async def test_every_other_verb_is_405(api: Api, kind: KindInfo) -> None:
    path = collection(kind)
    for method, target in (("GET", path), ("GET", f"{path}/x"), ("GET", f"{path}?watch=true"),
                           ("DELETE", f"{path}/x"), ("DELETE", path), ("PUT", f"{path}/x")):
        status, body = await api.call(method, target, {} if method == "PUT" else None)
        assert status == 405 and body["reason"] == "MethodNotAllowed", (method, target, body)
        assert body["message"].startswith("the server does not allow this method on the requested resource")
