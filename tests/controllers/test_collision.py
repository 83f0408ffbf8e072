"""pod-template-hash collisions: the name the hash gives is taken by a ReplicaSet that is
not this Deployment's; collisionCount is bumped and the next name is used."""

from __future__ import annotations

import copy

from kube.client.rest import RestClient
from kube.controllers.actions import DEPLOYMENT, REPLICASET
from kube.controllers.deployment.collision import status_after_collision
from kube.controllers.deployment.revisions import template_hash
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import controllers
from tests.controllers.workloads import deployment, replica_set


def owned(d: dict, template: dict) -> dict:
    rs = replica_set("web-x", 1)
    rs["spec"]["template"] = copy.deepcopy(template)
    rs["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                          "uid": d["metadata"]["uid"], "controller": True}]
    return rs


def test_a_foreign_or_different_set_is_a_collision_our_own_new_set_is_not() -> None:
    d = deployment("web", 1)
    d["metadata"]["uid"] = "u-1"
    d["status"] = {"replicas": 1}
    template = d["spec"]["template"]
    assert status_after_collision(d, owned(d, template)) is None  # our own: only the cache was behind
    foreign = replica_set("web-x", 1)
    assert status_after_collision(d, foreign) == {"replicas": 1, "collisionCount": 1}
    other_template = copy.deepcopy(template)
    other_template["spec"]["containers"][0]["image"] = "img:other"
    d["status"]["collisionCount"] = 1
    assert status_after_collision(d, owned(d, other_template)) == {"replicas": 1, "collisionCount": 2}


async def test_a_taken_name_bumps_collision_count_and_the_next_name_is_used(client: RestClient) -> None:
    async with controllers(client):
        paused = deployment("web", 2, paused=True)
        created = await client.create(DEPLOYMENT, paused)
        template = created["spec"]["template"]
        taken = f"web-{template_hash(template)}"
        squatter = replica_set(taken, 0, {"app": "squatter"})
        await client.create(REPLICASET, squatter)
        await client.patch(DEPLOYMENT, "web", {"spec": {"paused": False}}, "default")

        async def moved_on() -> dict | None:
            d = await client.get(DEPLOYMENT, "web", "default")
            names = {rs["metadata"]["name"] for rs in (await client.list(REPLICASET, "default"))["items"]}
            return d if (d.get("status") or {}).get("collisionCount") == 1 and len(names) == 2 else None

        d = await eventually(moved_on, timeout=20)
        names = {rs["metadata"]["name"] for rs in (await client.list(REPLICASET, "default"))["items"]}
        assert names == {taken, f"web-{template_hash(d['spec']['template'], 1)}"}
        left = await client.get(REPLICASET, taken, "default")
        assert not left["metadata"].get("ownerReferences")
        assert left["spec"]["template"]["metadata"]["labels"] == {"app": "squatter"}
