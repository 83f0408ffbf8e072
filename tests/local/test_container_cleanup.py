"""`kube down` removes this cluster's containers and nobody else's."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.local.container_cleanup import MANAGED_LABEL, ROOT_LABEL, belongs_to, remove_cluster_containers
from tests.fixtures.requirements import require_docker

segment = st.text(alphabet="abcxyz-_.", min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))


@given(st.lists(segment, min_size=1, max_size=3), st.lists(segment, max_size=3))
def test_only_objects_under_the_cluster_root_belong_to_it(root_parts: list[str], rest: list[str]) -> None:
    root = "/" + "/".join(root_parts)
    inside = os.path.join(root, *rest) if rest else root
    assert belongs_to({MANAGED_LABEL: "true", ROOT_LABEL: inside}, root)
    assert not belongs_to({MANAGED_LABEL: "true", ROOT_LABEL: root + "x"}, root)  # a sibling, not a child
    assert not belongs_to({ROOT_LABEL: inside}, root)  # not made by kube
    assert not belongs_to(None, root)


@pytest.mark.docker
def test_remove_takes_this_clusters_containers_only(tmp_path: Path) -> None:
    require_docker()
    import docker

    from kube.node.images import PAUSE_IMAGE, build_images

    build_images()
    client = docker.from_env()
    ours_root, theirs_root = tmp_path / "ours", tmp_path / "theirs"
    tag = uuid.uuid4().hex[:8]
    made = []
    try:
        for root in (ours_root / "nodes" / "minion-a", theirs_root / "nodes" / "minion-a"):
            made.append(client.containers.create(PAUSE_IMAGE, name=f"kube-cleanup-test-{tag}-{len(made)}",
                                                 labels={MANAGED_LABEL: "true", ROOT_LABEL: str(root)}))
        assert remove_cluster_containers(str(ours_root)) == 1
        left = {c.id for c in client.containers.list(all=True, filters={"label": MANAGED_LABEL})}
        assert made[0].id not in left and made[1].id in left
    finally:
        for c in made:
            try:
                c.remove(force=True)
            except docker.errors.NotFound:
                pass
        client.close()
