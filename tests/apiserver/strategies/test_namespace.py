"""The namespace strategy: created Active with its finalizer, spec kept by PUT, Terminating until finalized."""

from __future__ import annotations

from kube.apiserver.strategies.namespace import FINALIZER, NamespaceStrategy

NS = NamespaceStrategy()


def test_create_is_active_with_the_kubernetes_finalizer() -> None:
    obj = {"metadata": {"name": "a"}, "status": {"phase": "Terminating"}}
    NS.prepare_create(obj)
    assert obj["status"] == {"phase": "Active"} and obj["spec"] == {"finalizers": [FINALIZER]}


def test_create_keeps_finalizers_the_client_chose() -> None:
    obj = {"metadata": {"name": "a"}, "spec": {"finalizers": []}}
    NS.prepare_create(obj)
    assert obj["spec"] == {"finalizers": []}


def test_status_is_not_shared_between_creates() -> None:
    first, second = {"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}
    NS.prepare_create(first)
    NS.prepare_create(second)
    first["status"]["phase"] = "Terminating"
    assert second["status"] == {"phase": "Active"}


def test_a_put_keeps_the_spec() -> None:
    old = {"metadata": {"name": "a"}, "spec": {"finalizers": [FINALIZER]}}
    new = {"metadata": {"name": "a"}, "spec": {"finalizers": []}}
    NS.prepare_update(new, old)
    assert new["spec"] == {"finalizers": [FINALIZER]}


def test_removal_waits_for_spec_finalizers() -> None:
    assert NS.waits_before_removal({"metadata": {}, "spec": {"finalizers": [FINALIZER]}})
    assert not NS.waits_before_removal({"metadata": {}, "spec": {"finalizers": []}})
    assert not NS.waits_before_removal({"metadata": {}, "spec": "malformed"})


def test_a_marked_namespace_is_terminating() -> None:
    obj = {"metadata": {"name": "a"}, "status": {"phase": "Active"}}
    NS.on_deletion_marked(obj)
    assert obj["status"]["phase"] == "Terminating"
