"""`kube down` stops the minions before the control plane they report to."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kube.local.down_command import stop_order
from kube.local.plan import CONTROL_PLANE

names = st.lists(st.sampled_from(["apiserver", "scheduler", "controller-manager", "nodes", "minion-a",
                                  "minion-b", "minion-c"]), unique=True)


@given(names)
def test_nodes_stop_first_and_the_apiserver_last(present: list[str]) -> None:
    order = stop_order(present)
    assert sorted(order) == sorted(present)
    nodes = [i for i, n in enumerate(order) if n not in CONTROL_PLANE]
    control = [i for i, n in enumerate(order) if n in CONTROL_PLANE]
    assert all(a < b for a in nodes for b in control)
    if "apiserver" in order:
        assert order[-1] == "apiserver"
