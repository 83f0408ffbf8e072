"""The blue-green recipe of docs/blue-green.md, run with the files of examples/blue-green."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.controllers.actions import DEPLOYMENT, ENDPOINTS, POD, SERVICE
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import real_cluster, rollout_complete

RECIPE = Path(__file__).resolve().parents[2] / "examples" / "blue-green"


def manifest(name: str) -> dict[str, Any]:
    return yaml.safe_load((RECIPE / name).read_text())


async def endpoint_colors(client: RestClient) -> set[str]:
    """The colors of the pods behind the Service's ready addresses."""
    try:
        ep = await client.get(ENDPOINTS, "web", "default")
    except ApiError:
        return set()
    colors = set()
    for subset in ep.get("subsets") or []:
        assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
        for address in subset.get("addresses") or []:
            pod = await client.get(POD, address["targetRef"]["name"], "default")
            colors.add(pod["metadata"]["labels"]["color"])
    return colors


async def test_cut_over_from_blue_to_green(client: RestClient, kubeconfig: Path, tmp_path: Path) -> None:
    async with real_cluster(client, kubeconfig, tmp_path, {"node": 2}):
        await client.create(DEPLOYMENT, manifest("web-blue.yaml"), "default")
        await client.create(SERVICE, manifest("service.yaml"), "default")

        async def rolled_out(name: str) -> bool:
            d = await client.get(DEPLOYMENT, name, "default")
            return rollout_complete(d) and d["status"].get("availableReplicas") == 3

        await eventually(lambda: rolled_out("web-blue"), timeout=30)
        await eventually(lambda: _colors_are(client, {"blue"}), timeout=30)

        await client.create(DEPLOYMENT, manifest("web-green.yaml"), "default")
        await eventually(lambda: rolled_out("web-green"), timeout=30)
        assert await endpoint_colors(client) == {"blue"}  # green takes no traffic before the cut-over

        patch = json.loads((RECIPE / "cutover-to-green.json").read_text())
        await client.patch(SERVICE, "web", patch, "default")
        await eventually(lambda: _colors_are(client, {"green"}), timeout=30)

        await client.delete(DEPLOYMENT, "web-blue", "default", propagation_policy="Background")

        async def blue_gone() -> bool:
            return not (await client.list(POD, "default", label_selector="color=blue"))["items"]

        await eventually(blue_gone, timeout=30)
        assert await endpoint_colors(client) == {"green"}
        ep = await client.get(ENDPOINTS, "web", "default")
        assert len(ep["subsets"][0]["addresses"]) == 3


async def _colors_are(client: RestClient, want: set[str]) -> bool:
    return await endpoint_colors(client) == want
