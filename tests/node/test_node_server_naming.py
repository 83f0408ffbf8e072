"""How the node's server names a request for the API (the kubelet's auth.go mapping), and how the
token webhook keeps TokenReview answers: properties over any path, a fake API for the cache."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.node.client_identity import node_subresources, verb_of
from kube.node.token_authentication import Caller, TokenAuthenticator, bearer

SEGMENT = st.text(st.characters(whitelist_categories=("Ll", "Nd"), whitelist_characters="-_."), min_size=1,
                  max_size=12)
KNOWN = {"stats": ("stats",), "metrics": ("metrics",), "logs": ("log",), "checkpoint": ("checkpoint",),
         "pods": ("pods", "proxy"), "runningpods": ("pods", "proxy"), "configz": ("configz", "proxy")}


@given(st.sampled_from(sorted(KNOWN)), st.lists(SEGMENT, max_size=4))
def test_a_known_prefix_names_its_subresources_at_any_depth(prefix: str, rest: list[str]) -> None:
    assert node_subresources("/" + "/".join([prefix, *rest])) == KNOWN[prefix]


@given(SEGMENT, st.lists(SEGMENT, max_size=4))
def test_everything_else_is_nodes_proxy(first: str, rest: list[str]) -> None:
    """exec, attach, portForward, containerLogs, run... and look-alikes such as /statsx."""
    if first in KNOWN:
        first += "x"
    assert node_subresources("/" + "/".join([first, *rest])) == ("proxy",)


@pytest.mark.parametrize(("method", "verb"), [("GET", "get"), ("HEAD", "get"), ("POST", "create"),
                                              ("PUT", "update"), ("PATCH", "patch"), ("DELETE", "delete")])
def test_the_verb_follows_the_method(method: str, verb: str) -> None:
    assert verb_of(method) == verb


def test_bearer_reads_only_bearer_tokens() -> None:
    assert bearer("Bearer abc") == "abc" and bearer("bearer  abc ") == "abc"
    assert bearer("Basic abc") == "" and bearer("") == "" and bearer("Bearer") == ""


async def test_token_answers_are_kept_for_the_ttl_and_failures_not_at_all() -> None:
    asked: list[str] = []
    down, now = [False], [0.0]

    async def post(body: dict[str, Any]) -> dict[str, Any]:
        asked.append(body["spec"]["token"])
        if down[0]:
            raise ConnectionError("refused")
        if body["spec"]["token"] == "good":
            return {**body, "status": {"authenticated": True, "user": {
                "username": "system:serviceaccount:d:s", "uid": "u", "groups": ["system:serviceaccounts"],
                "extra": {"authentication.kubernetes.io/pod-name": ["p"]}}}}
        return {**body, "status": {"user": {}, "error": "invalid bearer token"}}

    tokens = TokenAuthenticator(post, ttl=120, clock=lambda: now[0])
    good = Caller("system:serviceaccount:d:s", ("system:serviceaccounts",), "u",
                  {"authentication.kubernetes.io/pod-name": ["p"]})
    assert await tokens.authenticate("good") == good
    assert await tokens.authenticate("bad") is None
    now[0] = 119
    assert await tokens.authenticate("good") == good and await tokens.authenticate("bad") is None
    assert asked == ["good", "bad"]  # both answers were kept
    assert all(b"good" not in key for key in tokens.cache)  # digests, never the token itself
    now[0], down[0] = 121, True
    with pytest.raises(ConnectionError):
        await tokens.authenticate("good")
    down[0] = False
    assert await tokens.authenticate("good") == good  # the failure was not remembered
    assert tokens.reviews == 4
