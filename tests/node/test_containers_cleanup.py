"""`kube down`'s rule: a container belongs to the cluster whose state directory holds its agent's root."""

from __future__ import annotations

from kube.node.containers_cleanup import belongs_to


def test_cleanup_matches_only_this_clusters_containers(tmp_path):
    mine = {"io.kube.managed": "true", "io.kube.root-dir": str(tmp_path / "nodes" / "minion-a")}
    other = {"io.kube.managed": "true", "io.kube.root-dir": str(tmp_path) + "-other/nodes/x"}
    assert belongs_to(mine, str(tmp_path)) and not belongs_to(other, str(tmp_path))
    assert belongs_to(other, "") and not belongs_to({"io.kube.root-dir": str(tmp_path)}, "")
