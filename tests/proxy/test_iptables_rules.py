"""Rendering targets as an iptables-restore payload (pure; no root needed)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from kube.proxy.iptables_rules import probability, render, sep_chain, svc_chain
from kube.proxy.service_targets import Backend, ServiceTarget


def target(n: int, *, name: str = "web", node_port: int | None = None) -> ServiceTarget:
    return ServiceTarget("default", name, "http", "TCP", "10.96.0.10", 80, node_port,
                         tuple(Backend(f"10.244.1.{i + 1}", 8080) for i in range(n)))


@given(st.integers(1, 60))
def test_statistic_probabilities_make_a_uniform_choice(n: int) -> None:
    reach = Fraction(1)
    chosen = []
    for i in range(n):
        p = probability(i, n)
        take = Fraction(1) if p is None else Fraction(p).limit_denominator(1000)
        chosen.append(reach * take)
        reach -= reach * take
    assert probability(n - 1, n) is None  # the last one catches what is left
    assert reach == 0
    assert all(abs(c - Fraction(1, n)) < Fraction(1, 10_000) for c in chosen)


@given(st.integers(0, 12), st.booleans())
def test_each_backend_gets_one_dnat_and_one_jump_from_its_service_chain(n: int, node_port: bool) -> None:
    t = target(n, node_port=30080 if node_port else None)
    payload = render([t], cluster_cidr="10.244.0.0/16")
    svc = svc_chain(t)
    for b in t.backends:
        sep = sep_chain(t, b)
        assert payload.count(f"-j {sep}") == 1
        assert payload.count(f"-A {sep} ") == 2
        assert f"-A {sep} -m comment --comment \"default/web:http\" -p tcp -m tcp -j DNAT " \
               f"--to-destination {b.ip}:{b.port}" in payload
    assert payload.count("-j DNAT") == n
    if n == 0:
        assert svc not in payload and "REJECT" in payload
        assert ("--dport 30080" in payload) == node_port
    else:
        assert "REJECT" not in payload
        assert payload.count(f"-j {svc}") == (2 if node_port else 1)


def test_chain_names_are_stable_distinct_and_fit_iptables_limit() -> None:
    a, b = target(1), target(1, name="api")
    assert svc_chain(a) == svc_chain(target(3)) != svc_chain(b)
    assert len(svc_chain(a)) <= 28 and len(sep_chain(a, a.backends[0])) <= 28


def test_stale_chains_are_flushed_and_deleted_in_the_same_commit() -> None:
    live = target(1)
    payload = render([live], cluster_cidr=None, stale_nat_chains=["KUBE-SVC-OLD", svc_chain(live)])
    nat = payload.split("*nat", 1)[1]
    assert ":KUBE-SVC-OLD - [0:0]" in nat and "-X KUBE-SVC-OLD" in nat
    assert f"-X {svc_chain(live)}" not in nat
    assert nat.rstrip().endswith("COMMIT")


def test_without_cluster_cidr_all_service_traffic_is_masqueraded() -> None:
    with_cidr = render([target(1)], cluster_cidr="10.244.0.0/16")
    without = render([target(1)], cluster_cidr=None)
    assert "! -s 10.244.0.0/16 -j KUBE-MARK-MASQ" in with_cidr
    assert "--dport 80 -j KUBE-MARK-MASQ" in without
