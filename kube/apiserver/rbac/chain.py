"""The authorization chain of --authorization-mode, built once at server start."""

from __future__ import annotations

from kube.apiserver.auth.authorizer import Always, Authorizer, Builtin, Chain
from kube.apiserver.watch.cache import WatchCache

MODES = ("AlwaysAllow", "AlwaysDeny", "Builtin", "Node", "RBAC")
DEFAULT_MODE = "Builtin"


def parse_modes(text: str) -> list[str]:
    """--authorization-mode: a comma list of MODES, each once; ValueError names the bad one."""
    modes = [m.strip() for m in text.split(",") if m.strip()]
    if not modes:
        raise ValueError("at least one authorization mode is required")
    for m in modes:
        if m not in MODES:
            raise ValueError(f"unknown authorization mode {m!r}; known: {', '.join(MODES)}")
    if len(set(modes)) != len(modes):
        raise ValueError(f"authorization mode given twice in {text!r}")
    return modes


def build_chain(mode: str, cache: WatchCache) -> Chain:
    """The authorizers of --authorization-mode, in its order."""
    from kube.apiserver.rbac.authorizer import RBACAuthorizer
    from kube.apiserver.rbac.node_authorizer import NodeAuthorizer

    members: list[Authorizer] = []
    for m in parse_modes(mode):
        if m == "RBAC":
            members.append(RBACAuthorizer(cache))
        elif m == "Node":
            members.append(NodeAuthorizer(cache))
        elif m == "Builtin":
            members.append(Builtin())
        else:
            members.append(Always(m == "AlwaysAllow"))
    return Chain(members)
