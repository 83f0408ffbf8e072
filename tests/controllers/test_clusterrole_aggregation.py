"""The clusterrole-aggregation controller against a real API server: a ClusterRole labelled
aggregate-to-view adds its rules to view (and, through view's own label, to edit and admin);
removing the label takes them away again."""

from __future__ import annotations

import asyncio
import contextlib

from kube.client.rest import RestClient
from kube.controllers.manager import ControllerManager
from tests.apiserver.conftest import eventually
from tests.apiserver.rbac.conftest import Cluster
from tests.apiserver.rbac.conftest import rbac as rbac  # the fixture

CR = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
RULE = {"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get", "list"]}
LABEL = "rbac.authorization.k8s.io/aggregate-to-view"


async def test_labelled_rules_reach_view_edit_and_admin(rbac: Cluster) -> None:
    client = RestClient.from_kubeconfig(str(rbac.kubeconfig("kube-admin")))
    manager = ControllerManager(client, ["clusterrole-aggregation"])
    task = asyncio.create_task(manager.run())
    try:
        async with rbac.api() as api:
            assert (await api.post(CR, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                        "metadata": {"name": "widget-viewer", "labels": {LABEL: "true"}},
                                        "rules": [RULE]}))[0] == 201

            async def everywhere() -> bool:
                found = [RULE in (await api.get(f"{CR}/{name}"))[1].get("rules", []) for name in ("view", "edit", "admin")]
                return all(found)
            await eventually(everywhere, timeout=30)

            assert (await api.patch(f"{CR}/widget-viewer", {"metadata": {"labels": {LABEL: None}}}))[0] == 200

            async def gone() -> bool:
                return RULE not in (await api.get(f"{CR}/view"))[1].get("rules", [])
            await eventually(gone, timeout=30)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        await client.close()
