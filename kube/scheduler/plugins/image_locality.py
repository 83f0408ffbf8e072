"""ImageLocality: prefer nodes that already hold the pod's images (no pull: data locality).

Score as kube-scheduler: sum over the pod's images present on the node of
size x (nodes holding it / all nodes), clamped to [23MB, 1000MB x containers]
and scaled to 0-100. The spread factor keeps every pod from piling onto the
one node that happens to have an image.
"""

from __future__ import annotations

from kube._fast import score_layout as k
from kube.scheduler.node_table import normalize_image
from kube.scheduler.plugin import Plugin

MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


class ImageLocality(Plugin):
    name = "ImageLocality"
    score_index = k.S_IMAGE
    default_weight = 1

    def pre_filter(self, state, pod, inputs, ctx) -> None:
        table = ctx.table
        containers = list(pod.spec.get("initContainers") or ()) + list(pod.spec.get("containers") or ())
        inputs.header[k.P_IMG_MIN] = MIN_THRESHOLD
        inputs.header[k.P_IMG_MAX] = MAX_CONTAINER_THRESHOLD * max(1, len(containers))
        total = max(1, table.nodes)
        seen = set()
        for c in containers:
            image = c.get("image")
            if not image:
                continue
            row = table.image_row.get(normalize_image(str(image)))
            if row is None or row in seen or not table.image_nodes[row]:
                continue
            seen.add(row)
            inputs.images += [row, table.image_size[row] * table.image_nodes[row] // total]
