"""The termination gate's rule (kube/node/termination_gate.py `decide`): EndpointSlices +
proxy Leases + now -> SIGTERM now, or wait; and the proxy Lease contract it reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kube.api import programmed_lease
from kube.node.termination_gate import decide

NOW = 1_800_000_000.0
UID = "uid-web-0"


def pod(uid: str = UID, ip: str = "10.244.1.5", namespace: str = "default") -> dict[str, Any]:
    return {"metadata": {"name": "web-0", "namespace": namespace, "uid": uid},
            "status": {"podIP": ip, "podIPs": [{"ip": ip}]}}


def endpoint(uid: str = UID, ip: str = "10.244.1.5", *, ready: bool | None = True,
             terminating: bool | None = None, ref: bool = True) -> dict[str, Any]:
    conditions: dict[str, Any] = {}
    if ready is not None:
        conditions["ready"] = ready
    if terminating is not None:
        conditions["terminating"] = terminating
    ep: dict[str, Any] = {"addresses": [ip], "conditions": conditions}
    if ref:
        ep["targetRef"] = {"kind": "Pod", "namespace": "default", "name": "x", "uid": uid}
    return ep


def eps(name: str, rv: int, *endpoints: dict[str, Any], namespace: str = "default") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace, "resourceVersion": str(rv)},
            "addressType": "IPv4", "endpoints": list(endpoints)}


def stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lease(host: str, revision: int | None, renewed: float = NOW - 1, duration: int = 30) -> dict[str, Any]:
    body = programmed_lease.lease_body(host, revision or 0, stamp(renewed), duration)
    if revision is None:
        del body["metadata"]["annotations"]
    return body


WITHDRAWN = endpoint(ready=False, terminating=True)


def test_a_pod_no_slice_lists_goes_at_once_even_with_lagging_proxies() -> None:
    other = eps("web-a", 50, endpoint(uid="someone-else", ip="10.244.1.9"))
    verdict = decide(pod(), [other], [lease("n1", 1)], NOW)
    assert (verdict.go, verdict.reason) == (True, "not-selected")


def test_no_live_proxy_lease_goes_at_once() -> None:
    stale = lease("n1", 1, renewed=NOW - 31, duration=30)
    verdict = decide(pod(), [eps("web-a", 50, endpoint())], [stale], NOW)
    assert (verdict.go, verdict.reason) == (True, "no-proxy")
    assert decide(pod(), [eps("web-a", 50, endpoint())], [], NOW).reason == "no-proxy"


def test_a_ready_endpoint_holds_the_pod() -> None:
    verdict = decide(pod(), [eps("web-a", 50, endpoint())], [lease("n1", 99)], NOW)
    assert (verdict.go, verdict.reason) == (False, "still-ready")
    assert "web-a" in verdict.detail
    unset = endpoint(ready=None)  # an unset ready counts as ready, as the API documents
    assert decide(pod(), [eps("web-a", 50, unset)], [lease("n1", 99)], NOW).reason == "still-ready"


def test_withdrawn_everywhere_waits_for_every_live_proxy_to_reach_the_slice_revision() -> None:
    slices = [eps("web-a", 50, WITHDRAWN), eps("api-b", 70, endpoint(ready=False))]
    behind = decide(pod(), slices, [lease("n1", 70), lease("n2", 69), lease("n3", None)], NOW)
    assert (behind.go, behind.reason, behind.revision) == (False, "proxies-behind", 70)
    assert "n2" in behind.detail and "n3" in behind.detail and "n1" not in behind.detail
    caught_up = decide(pod(), slices, [lease("n1", 70), lease("n2", 71)], NOW)
    assert (caught_up.go, caught_up.reason, caught_up.revision) == (True, "programmed", 70)


def test_a_stale_proxy_lease_is_ignored_but_a_live_one_is_not() -> None:
    slices = [eps("web-a", 50, WITHDRAWN)]
    dead = lease("gone", 3, renewed=NOW - 100)
    assert decide(pod(), slices, [dead, lease("n1", 50)], NOW).go
    assert not decide(pod(), slices, [dead, lease("n1", 49)], NOW).go


def test_one_slice_still_ready_is_enough_to_hold() -> None:
    slices = [eps("web-a", 50, WITHDRAWN), eps("web-b", 40, endpoint())]
    verdict = decide(pod(), slices, [lease("n1", 99)], NOW)
    assert (verdict.reason, "web-b" in verdict.detail, "web-a" in verdict.detail) == ("still-ready", True, False)


def test_terminating_but_published_counts_as_withdrawn() -> None:
    published = endpoint(ready=True, terminating=True)  # publishNotReadyAddresses
    assert decide(pod(), [eps("db", 60, published)], [lease("n1", 60)], NOW).reason == "programmed"


def test_the_mark_is_kept_once_set_and_holds_after_the_listing_vanishes() -> None:
    later = [eps("web-a", 90, WITHDRAWN)]  # the slice changed again (another pod): the mark stays 50
    assert decide(pod(), later, [lease("n1", 60)], NOW, since=50).go
    gone: list[dict[str, Any]] = []  # the slice was deleted after the pod was found withdrawn
    verdict = decide(pod(), gone, [lease("n1", 49)], NOW, since=50)
    assert (verdict.go, verdict.reason) == (False, "proxies-behind")


def test_matching_is_by_target_uid_then_by_address_and_within_the_namespace() -> None:
    reused_ip = endpoint(uid="older-pod", ip="10.244.1.5")  # same IP, another pod: not ours
    assert decide(pod(), [eps("a", 5, reused_ip)], [lease("n1", 1)], NOW).reason == "not-selected"
    no_ref = endpoint(ref=False)  # a hand-written slice: matched by address
    assert decide(pod(), [eps("a", 5, no_ref)], [lease("n1", 1)], NOW).reason == "still-ready"
    elsewhere = eps("a", 5, endpoint(ref=False), namespace="other")
    assert decide(pod(), [elsewhere], [lease("n1", 1)], NOW).reason == "not-selected"


def test_the_lease_contract_parses_what_it_writes_and_refuses_garbage() -> None:
    written = lease("n1", 42)
    assert written["metadata"]["name"] == "kube-proxy-n1"
    assert written["metadata"]["labels"] == {"kube.io/component": "kube-proxy"}
    assert programmed_lease.programmed_revision(written) == 42 and programmed_lease.holder(written) == "n1"
    assert programmed_lease.is_live(written, NOW) and not programmed_lease.is_live(written, NOW + 40)
    for bad in ({"spec": {}}, {"spec": {"renewTime": "yesterday", "leaseDurationSeconds": 30}},
                {"spec": {"renewTime": stamp(NOW), "leaseDurationSeconds": True}}):
        assert not programmed_lease.is_live(bad, NOW)
    assert programmed_lease.revision_of("12a") is None and programmed_lease.revision_of(None) is None


endpoint_states = st.sampled_from([(True, None), (True, False), (None, None), (False, True), (False, None),
                                   (True, True)])


@given(st.lists(st.tuples(st.integers(1, 1000), endpoint_states, st.booleans()), max_size=5),
       st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 1000)), st.booleans()), max_size=4))
def test_go_means_no_live_proxy_can_still_route_a_new_connection_to_the_pod(listings, proxies) -> None:
    """Whatever the slices and Leases: SIGTERM goes only when the pod is listed nowhere, no
    proxy is live, or it is withdrawn everywhere and every live proxy programmed past that."""
    slices = [eps(f"s{i}", rv, endpoint(ready=ready, terminating=term) if ours else endpoint(uid="other", ip="10.9.9.9"))
              for i, (rv, (ready, term), ours) in enumerate(listings)]
    leases = [lease(f"n{i}", rev, renewed=NOW - 1 if live else NOW - 60) for i, (rev, live) in enumerate(proxies)]
    verdict = decide(pod(), slices, leases, NOW)
    ours = [(rv, ready, term) for rv, (ready, term), mine in listings if mine]
    live = [rev for rev, is_live in proxies if is_live]
    withdrawn = all(ready is False or term is True for _rv, ready, term in ours)
    caught_up = all(rev is not None and rev >= max(rv for rv, _r, _t in ours) for rev in live) if ours else True
    assert verdict.go == (not ours or not live or (withdrawn and caught_up))
    if not verdict.go:
        assert verdict.reason in ("still-ready", "proxies-behind")
