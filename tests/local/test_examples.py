"""The examples `kube up` applies, and the web example's promises (spread, probe, requests)."""

from __future__ import annotations

from pathlib import Path

from kube.cli.manifests import load
from kube.local.examples import DEFAULT_EXAMPLES, DeploymentRef, deployments_in, example_files


def test_only_top_level_manifests_are_applied(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: Namespace\napiVersion: v1\nmetadata: {name: x}\n")
    (tmp_path / "notes.md").write_text("# not a manifest\n")
    (tmp_path / "recipe").mkdir()
    (tmp_path / "recipe" / "b.yaml").write_text("kind: Namespace\napiVersion: v1\nmetadata: {name: y}\n")
    assert example_files(tmp_path) == [tmp_path / "a.yaml"]
    assert example_files(tmp_path / "missing") == []


def test_the_repository_examples_hold_the_web_deployment() -> None:
    files = example_files(DEFAULT_EXAMPLES)
    assert DEFAULT_EXAMPLES / "web.yaml" in files
    assert DeploymentRef("default", "web") in deployments_in(files)


def test_web_spreads_three_probed_replicas_over_the_zones_behind_a_service() -> None:
    objs = {m.obj["kind"]: m.obj for m in load([str(DEFAULT_EXAMPLES / "web.yaml")])}
    spec = objs["Deployment"]["spec"]
    assert spec["replicas"] == 3
    pod = spec["template"]["spec"]
    [spread] = pod["topologySpreadConstraints"]
    assert spread["maxSkew"] == 1 and spread["topologyKey"] == "topology.kubernetes.io/zone"
    assert spread["whenUnsatisfiable"] == "ScheduleAnyway"  # survives the loss of a zone
    assert spread["labelSelector"]["matchLabels"] == spec["selector"]["matchLabels"]
    [container] = pod["containers"]
    assert container["image"] == "kube.local/busybox:1"
    assert container["readinessProbe"]["httpGet"]["port"] == "http"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    service = objs["Service"]["spec"]
    assert service["selector"] == spec["template"]["metadata"]["labels"]
    assert service["ports"][0]["targetPort"] == container["ports"][0]["name"]
