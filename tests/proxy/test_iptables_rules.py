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
        assert svc not in payload and "REJECT --reject-with icmp-port-unreachable" in payload
        assert payload.count("-j REDIRECT") == 1 and "--ctorigdst 10.96.0.10/32 --ctorigdstport 80 " in payload
        assert ("--dport 30080" in payload) == node_port
    else:
        assert "REJECT" not in payload and "REDIRECT" not in payload
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


def policy_target(n: int, local: int, **policy: object) -> ServiceTarget:
    backends = tuple(Backend(f"10.244.1.{i + 1}", 8080) for i in range(n))
    return ServiceTarget("default", "web", "http", "TCP", "10.96.0.10", 80, 30080, backends, backends[:local],
                         **policy)  # type: ignore[arg-type]


def test_session_affinity_checks_then_records_each_client_per_endpoint() -> None:
    t = policy_target(2, 0, affinity_seconds=60)
    payload = render([t], cluster_cidr="10.244.0.0/16")
    for b in t.backends:
        sep = sep_chain(t, b)
        assert f"-m recent --name {sep} --rcheck --seconds 60 --reap -j {sep}" in payload
        assert f"-A {sep} -m comment --comment \"default/web:http\" -m recent --name {sep} --set -p tcp" in payload
    assert "recent" not in render([policy_target(2, 0)], cluster_cidr=None)


def test_local_policies_use_the_local_chain_keep_the_source_and_drop_without_local_endpoints() -> None:
    from kube.proxy.iptables_rules import ext_chain, svl_chain

    t = policy_target(3, 1, internal_local=True, external_local=True)
    payload = render([t], cluster_cidr="10.244.0.0/16")
    svl, ext, svc = svl_chain(t), ext_chain(t), svc_chain(t)
    assert f"--dport 80 -j {svl}" in payload  # ClusterIP -> local endpoints only
    assert payload.count(f"-A {svl} ") == 2  # masquerade-from-outside + the one local endpoint
    ext_rules = [line for line in payload.splitlines() if line.startswith(f"-A {ext} ")]
    assert ext_rules[-1].endswith(f"-j {svl}") and f"-j {svc}" in ext_rules[0]  # pods short-circuit to all
    assert not any(r.endswith("KUBE-MARK-MASQ") and "--src-type LOCAL" not in r for r in ext_rules)
    none_here = render([policy_target(3, 0, internal_local=True, external_local=True)], cluster_cidr=None)
    assert none_here.count("has no local endpoints\" -j DROP") == 2 and "REJECT" not in none_here
    cluster = render([policy_target(3, 0)], cluster_cidr=None)
    assert f"-A {ext_chain(t)} -m comment --comment \"default/web:http\" -j KUBE-MARK-MASQ" in cluster


def test_a_partial_sync_leaves_unchanged_services_chains_alone_but_keeps_their_entries() -> None:
    same, moved = target(2), target(1, name="api")
    old_chains = [svc_chain(same), *(sep_chain(same, b) for b in same.backends), "KUBE-SVC-GONE"]
    payload = render([same, moved], cluster_cidr=None, stale_nat_chains=old_chains, unchanged=frozenset({same}))
    nat = payload.split("*nat", 1)[1]
    assert f":{svc_chain(same)} " not in nat and f"-A {svc_chain(same)} " not in nat  # not flushed, not rewritten
    assert f"-j {svc_chain(same)}" in nat  # KUBE-SERVICES (rewritten whole) still sends to it
    assert f"-X {svc_chain(same)}" not in nat and "-X KUBE-SVC-GONE" in nat
    assert f":{svc_chain(moved)} - [0:0]" in nat and f"-A {svc_chain(moved)} " in nat
