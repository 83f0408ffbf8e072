"""ClusterRole aggregation (kube-controller-manager's clusterrole-aggregation controller).

A ClusterRole with an `aggregationRule` holds the union of the rules of every ClusterRole
its selectors match (kube/api/rbac_aggregation.py says how); this keeps it so. Any
ClusterRole change may change any aggregated role, so one change requeues every aggregated
role (there are few); each sync writes only when the rules differ, so it settles.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable

from kube.api.rbac_aggregation import aggregated_rules
from kube.api.registry import by_gvk
from kube.client.errors import ApiError
from kube.controllers.loop import ControllerLoop

log = logging.getLogger("kube.controllers.clusterrole_aggregation")
CLUSTER_ROLE = by_gvk("rbac.authorization.k8s.io", "v1", "ClusterRole")


class ClusterRoleAggregationController(ControllerLoop):
    name = "clusterrole-aggregation"

    def setup(self) -> None:
        assert CLUSTER_ROLE is not None
        self.roles = self.ctx.factory.informer_for(CLUSTER_ROLE)
        self.roles.add_handler(on_add=lambda _o: self._requeue(), on_update=lambda _o, _n: self._requeue(),
                               on_delete=lambda _o: self._requeue())

    def _requeue(self) -> None:
        for role in self.roles.store.list():
            if role.get("aggregationRule"):
                self.enqueue(role["metadata"]["name"])

    async def sync(self, key: Hashable) -> float | None:
        role = self.roles.store.get(str(key))
        if role is None:
            return None
        rules = aggregated_rules(role, self.roles.store.list())
        if rules is None or rules == (role.get("rules") or []):
            return None
        assert CLUSTER_ROLE is not None
        try:
            await self.ctx.client.patch(CLUSTER_ROLE, str(key), {"rules": rules}, field_manager="clusterrole-aggregator")
        except ApiError as exc:
            if exc.code != 404:
                raise
        log.info("clusterrole-aggregation: %s now holds %d rules", key, len(rules))
        return None
