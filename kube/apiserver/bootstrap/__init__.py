"""Objects every cluster has from its first second: the four system namespaces, the
`kubernetes` Service with its Endpoints, and the API Priority and Fairness configuration."""

from __future__ import annotations

from kube.api.errors import StatusError
from kube.api.registry import by_gvk
from kube.apiserver.bootstrap.flowcontrol import ensure_flowcontrol_configuration
from kube.apiserver.bootstrap.kubernetes_service import ensure_kubernetes_service
from kube.apiserver.state import ServerState
from kube.apiserver.storage.write_path import create_object

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


async def bootstrap(state: ServerState) -> None:
    """Create what is missing; harmless on every restart."""
    namespace = by_gvk("", "v1", "Namespace")
    assert namespace is not None
    for name in SYSTEM_NAMESPACES:
        if await state.objects.get(namespace, "", name) is not None:
            continue
        try:
            await create_object(state, namespace, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        except StatusError as exc:
            if exc.reason != "AlreadyExists":  # another API server got there first
                raise
    await ensure_kubernetes_service(state)
    await ensure_flowcontrol_configuration(state)
    if "RBAC" in state.config.authorization_mode.split(","):
        from kube.apiserver.rbac.reconcile import reconcile_bootstrap_policy

        await reconcile_bootstrap_policy(state)
