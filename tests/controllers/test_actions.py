"""Every action names the object it is about (for the executor's logs and Events' "{name}")."""

from __future__ import annotations

from kube.controllers import actions as A


def test_target_names_kind_and_object_of_every_action() -> None:
    rs = {"metadata": {"name": "web-1", "namespace": "default"}}
    cases = [
        (A.CreatePod("default", {"metadata": {"generateName": "web-"}}), ("Pod", "")),
        (A.DeletePod("default", "web-x"), ("Pod", "web-x")),
        (A.Create(A.REPLICASET, rs), ("ReplicaSet", "web-1")),
        (A.Update(A.REPLICASET, rs), ("ReplicaSet", "web-1")),
        (A.UpdateStatus(A.REPLICASET, rs, {"replicas": 1}), ("ReplicaSet", "web-1")),
        (A.Delete(A.SERVICE, "default", "db"), ("Service", "db")),
        (A.DeleteDependent(A.REPLICASET, "default", "old", owners=({"uid": "u"},)), ("ReplicaSet", "old")),
        (A.Patch(A.NODE, "", "n1", {"spec": {}}), ("Node", "n1")),
        (A.Finalize("team-a", ("kubernetes",)), ("Namespace", "team-a")),
        (A.Create(A.REPLICASET, {}), ("ReplicaSet", "")),  # no metadata yet: no name, not an error
    ]
    for action, expected in cases:
        assert A.target(action) == expected, action


def test_a_dependent_delete_is_a_delete_carrying_the_owners_to_recheck() -> None:
    d = A.DeleteDependent(A.POD, "default", "p", owners=({"uid": "u1"},))
    assert isinstance(d, A.Delete) and d.owners == ({"uid": "u1"},)
