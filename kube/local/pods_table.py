"""The table `kube up` ends with: where each example pod runs (node, zone, IP),
so a newcomer sees at a glance that the replicas are spread over the zones."""

from __future__ import annotations

from typing import Any

from kube.api.registry import resolve
from kube.cli.table_printer import align
from kube.client.rest import RestClient
from kube.local.examples import DeploymentRef

PODS = resolve("pods")
NODES = resolve("nodes")
DEPLOYMENTS = resolve("deployments")
ZONE_LABEL = "topology.kubernetes.io/zone"
HEADER = ["NAME", "READY", "STATUS", "NODE", "ZONE", "IP"]


def pod_row(pod: dict[str, Any], zones: dict[str, str]) -> list[str]:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for c in statuses if c.get("ready"))
    phase = status.get("phase") or "Pending"
    node = spec.get("nodeName") or ""
    return [meta.get("name", ""), f"{ready}/{len(spec.get('containers') or [])}", phase,
            node or "<none>", zones.get(node, "<none>"), status.get("podIP") or "<none>"]


def pods_table(pods: list[dict[str, Any]], nodes: list[dict[str, Any]]) -> list[str]:
    """Aligned lines: a header and one row per live pod, by name; pods on their way out
    (an earlier rollout's) are only counted, so the table shows where the app runs now."""
    zones = {(n.get("metadata") or {}).get("name", ""): ((n.get("metadata") or {}).get("labels") or {}).get(
        ZONE_LABEL, "") or "<none>" for n in nodes}
    live = [p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")]
    rows = [pod_row(p, zones) for p in sorted(live, key=lambda p: (p.get("metadata") or {}).get("name", ""))]
    lines = align([HEADER, *rows])
    if len(live) < len(pods):
        lines.append(f"({len(pods) - len(live)} pod(s) of an earlier rollout still terminating)")
    return lines


def selector_text(match_labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))


async def example_pods_table(client: RestClient, refs: list[DeploymentRef]) -> list[str]:
    """The pods of the given Deployments (by their selectors), with their nodes' zones."""
    pods: list[dict[str, Any]] = []
    for ref in refs:
        deployment = await client.get(DEPLOYMENTS, ref.name, ref.namespace)
        labels = (((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels")) or {}
        listed = await client.list_all(PODS, ref.namespace, label_selector=selector_text(labels))
        pods.extend(listed.get("items") or [])
    nodes = (await client.list_all(NODES)).get("items") or []
    return pods_table(pods, nodes)
