"""One suite over both selector_index engines: results equal a brute-force oracle
(a selector matches when all its pairs are among the pod's) and equal each other."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fast.engines import ENGINES, kernel_module


def engine(name: str):
    return kernel_module("selector_index", name)


@pytest.fixture(params=ENGINES)
def kernel(request: pytest.FixtureRequest):
    return engine(request.param)


@pytest.fixture(scope="module")
def both_engines() -> None:
    for name in ENGINES:
        engine(name)


def oracle(services: dict[int, set[int]], pod: set[int]) -> list[int]:
    return sorted(s for s, req in services.items() if req and req <= pod)


def test_match_requires_every_pair(kernel) -> None:
    idx = kernel.SelectorIndex()
    idx.set_service(0, [1, 2])
    idx.set_service(1, [1])
    idx.set_service(2, [3])
    assert idx.match_pod([1]) == [1]
    assert idx.match_pod([1, 2, 9]) == [0, 1]
    assert idx.match_pod([3, 2]) == [2]
    assert idx.match_pod([]) == []


def test_empty_selector_matches_nothing(kernel) -> None:
    idx = kernel.SelectorIndex()
    idx.set_service(4, [])
    assert idx.match_pod([1, 2, 3]) == []
    assert idx.n_services == 1


def test_replacing_and_removing_a_service(kernel) -> None:
    idx = kernel.SelectorIndex()
    idx.set_service(0, [5])
    idx.set_service(0, [6])
    assert idx.match_pod([5]) == []
    assert idx.match_pod([6]) == [0]
    idx.remove_service(0)
    idx.remove_service(0)
    assert idx.match_pod([6]) == []
    assert idx.n_services == 0


def test_set_pod_reports_old_and_new_matches(kernel) -> None:
    idx = kernel.SelectorIndex()
    idx.set_service(0, [1])
    idx.set_service(1, [2])
    idx.set_service(2, [3])
    assert idx.set_pod(7, [1]) == [0]
    assert idx.set_pod(7, [2]) == [0, 1]  # left 0, joined 1
    assert idx.pod_services(7) == [1]
    assert idx.remove_pod(7) == [1]
    assert idx.remove_pod(7) == []
    assert idx.n_pods == 0


def test_rematch_all_groups_pods_by_service(kernel) -> None:
    idx = kernel.SelectorIndex()
    idx.set_service(0, [1])
    idx.set_service(2, [1, 2])
    idx.set_pod(3, [1, 2])
    idx.set_pod(1, [1])
    idx.set_pod(2, [2])
    offsets, pods = idx.rematch_all()
    groups = [list(pods[offsets[s]:offsets[s + 1]]) for s in range(len(offsets) - 1)]
    assert groups == [[1, 3], [], [3]]


def test_negative_ids_are_rejected(kernel) -> None:
    idx = kernel.SelectorIndex()
    with pytest.raises(ValueError):
        idx.set_service(-1, [1])
    with pytest.raises(ValueError):
        idx.set_pod(0, [-3])


ops = st.lists(st.one_of(
    st.tuples(st.just("svc"), st.integers(0, 12), st.frozensets(st.integers(0, 15), max_size=4)),
    st.tuples(st.just("rmsvc"), st.integers(0, 12), st.just(frozenset())),
    st.tuples(st.just("pod"), st.integers(0, 20), st.frozensets(st.integers(0, 15), max_size=6)),
    st.tuples(st.just("rmpod"), st.integers(0, 20), st.just(frozenset())),
), max_size=60)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_engines_agree_with_the_oracle(both_engines: None, steps: list[tuple[str, int, frozenset[int]]]) -> None:
    indexes = [engine(name).SelectorIndex() for name in ENGINES]
    services: dict[int, set[int]] = {}
    pods: dict[int, set[int]] = {}
    for op, ident, pairs in steps:
        answers = []
        for idx in indexes:
            if op == "svc":
                idx.set_service(ident, pairs)
            elif op == "rmsvc":
                idx.remove_service(ident)
            elif op == "pod":
                answers.append(idx.set_pod(ident, pairs))
            else:
                answers.append(idx.remove_pod(ident))
        if op == "svc":
            services[ident] = set(pairs)
        elif op == "rmsvc":
            services.pop(ident, None)
        elif op == "pod":
            old = pods.get(ident)
            pods[ident] = set(pairs)
            expected = set(oracle(services, set(pairs))) | (set(oracle(services, old)) if old is not None else set())
            assert answers == [sorted(expected)] * len(indexes)
        else:
            old = pods.pop(ident, None)
            assert answers == [oracle(services, old) if old is not None else []] * len(indexes)
        for idx in indexes:
            assert idx.n_services == len(services) and idx.n_pods == len(pods)
    for pid, labels in pods.items():
        assert [idx.pod_services(pid) for idx in indexes] == [oracle(services, labels)] * len(indexes)
    matrices = [tuple(map(list, idx.rematch_all())) for idx in indexes]
    assert matrices[0] == matrices[-1]
    offsets, members = matrices[0]
    for sid in range(len(offsets) - 1):
        want = sorted(p for p, labels in pods.items() if services.get(sid) and services[sid] <= labels)
        assert members[offsets[sid]:offsets[sid + 1]] == want
