"""ServiceMatcher: the Endpoints controller's view of which Services select which pods."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube.controllers.service_matcher import ServiceMatcher


@pytest.fixture(params=["python", "auto"])
def matcher(request: pytest.FixtureRequest) -> ServiceMatcher:
    return ServiceMatcher(request.param)


def test_pod_changes_report_the_services_they_affect(matcher: ServiceMatcher) -> None:
    matcher.set_service("default/web", "default", {"app": "web"})
    matcher.set_service("default/blue", "default", {"app": "web", "color": "blue"})
    matcher.set_service("other/web", "other", {"app": "web"})
    assert matcher.set_pod("default/p", "default", {"app": "web", "color": "blue"}) == {"default/web", "default/blue"}
    assert matcher.set_pod("default/p", "default", {"app": "web", "color": "green"}) == {"default/web",
                                                                                         "default/blue"}
    assert matcher.pods_of("default/blue") == set()
    assert matcher.pods_of("default/web") == {"default/p"}
    assert matcher.remove_pod("default/p") == {"default/web"}


def test_a_new_service_finds_existing_pods(matcher: ServiceMatcher) -> None:
    matcher.set_pod("default/p", "default", {"app": "web"})
    matcher.set_service("default/web", "default", {"app": "web"}, {"default/p": {"app": "web"}})
    assert matcher.pods_of("default/web") == {"default/p"}
    matcher.set_service("default/web", "default", {"app": "db"}, {"default/p": {"app": "web"}})
    assert matcher.pods_of("default/web") == set() and matcher.services_of("default/p") == set()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["svc", "pod", "rmpod", "rmsvc"]), st.integers(0, 4),
                          st.dictionaries(st.sampled_from("abc"), st.sampled_from("xy"), max_size=2)), max_size=40))
def test_members_equal_a_brute_force_scan(steps) -> None:
    m = ServiceMatcher()
    services: dict[str, dict[str, str]] = {}
    pods: dict[str, dict[str, str]] = {}
    for op, n, labels in steps:
        if op == "svc":
            m.set_service(f"ns/s{n}", "ns", labels, pods)
            services[f"ns/s{n}"] = labels
        elif op == "rmsvc":
            m.remove_service(f"ns/s{n}")
            services.pop(f"ns/s{n}", None)
        elif op == "pod":
            m.set_pod(f"ns/p{n}", "ns", labels)
            pods[f"ns/p{n}"] = labels
        else:
            m.remove_pod(f"ns/p{n}")
            pods.pop(f"ns/p{n}", None)
    for key, sel in services.items():
        want = {p for p, lab in pods.items() if sel and all(lab.get(k) == v for k, v in sel.items())}
        assert m.pods_of(key) == want
