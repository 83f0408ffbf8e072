"""`kube describe`, `kube delete` and `kube label` against the real API server."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cli.conftest import Kube

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.25", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: "1"}
"""


async def seed(kube: Kube, tmp_path: Path) -> str:
    path = tmp_path / "d.yaml"
    path.write_text(DEPLOY)
    assert (await kube("apply", "-f", str(path))).code == 0
    return str(path)


async def test_describe_shows_key_fields_and_events(kube: Kube, tmp_path: Path, client_events) -> None:  # type: ignore[no-untyped-def]
    await seed(kube, tmp_path)
    await client_events("web", "Deployment", "ScalingReplicaSet", "Scaled up replica set web-abc to 2")
    result = await kube("describe", "deployment", "web")
    assert result.code == 0, result.err
    fields = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in result.lines
              if ":" in line and not line.startswith(" ")}
    assert fields["Name"] == "web" and fields["Namespace"] == "default" and fields["Labels"] == "app=web"
    assert fields["Replicas"].startswith("2 desired") and fields["Selector"] == "app=web"
    assert "last-applied" not in result.out  # kubectl hides the apply annotation here too
    assert any("nginx:1.25" in line for line in result.lines)
    events = result.out.split("Events:")[1].splitlines()
    assert events[1].split()[:2] == ["Type", "Reason"]
    assert "ScalingReplicaSet" in events[3] and "Scaled up replica set web-abc to 2" in events[3]


async def test_describe_generic_kind_and_missing(kube: Kube, tmp_path: Path) -> None:
    await seed(kube, tmp_path)
    result = await kube("describe", "cm", "cfg")
    assert result.code == 0 and "Data:" in result.out and "Events:  <none>" in result.out
    missing = await kube("describe", "pod", "nope")
    assert missing.code == 1 and missing.err.strip() == 'error: pods "nope" not found'


async def test_delete_by_name_and_by_file(kube: Kube, tmp_path: Path) -> None:
    path = await seed(kube, tmp_path)
    result = await kube("delete", "configmap", "cfg", "--wait")
    assert result.code == 0 and result.lines == ['configmap "cfg" deleted']
    assert (await kube("get", "cm", "cfg")).code == 1
    result = await kube("delete", "-f", path, "--ignore-not-found")
    assert result.code == 0 and result.lines == ['deployment.apps "web" deleted']
    missing = await kube("delete", "deploy", "web")
    assert missing.code == 1 and missing.err.strip() == 'error: deployments.apps "web" not found'


async def test_foreground_cascade_leaves_the_object_to_the_garbage_collector(kube: Kube, tmp_path: Path) -> None:
    await seed(kube, tmp_path)
    assert (await kube("delete", "deploy", "web", "--cascade=foreground")).code == 0
    live = yaml.safe_load((await kube("get", "deploy", "web", "-o", "yaml")).out)
    assert live["metadata"]["deletionTimestamp"] and "foregroundDeletion" in live["metadata"]["finalizers"]


async def test_delete_needs_a_target(kube: Kube) -> None:
    result = await kube("delete", "pods")
    assert result.code == 1 and "no name was specified" in result.err


async def test_label_set_overwrite_remove(kube: Kube, tmp_path: Path) -> None:
    await seed(kube, tmp_path)
    assert (await kube("label", "deploy", "web", "tier=front", "-n", "default")).lines == ["deployment.apps/web labeled"]
    refused = await kube("label", "deploy/web", "tier=back")
    assert refused.code == 1 and "--overwrite is false" in refused.err
    assert (await kube("label", "deploy/web", "tier=back", "--overwrite")).code == 0
    assert (await kube("label", "deploy/web", "tier=back")).lines == ["deployment.apps/web not labeled"]
    labels = yaml.safe_load((await kube("get", "deploy", "web", "-o", "yaml")).out)["metadata"]["labels"]
    assert labels == {"app": "web", "tier": "back"}
    assert (await kube("label", "deploy", "web", "tier-")).lines == ["deployment.apps/web unlabeled"]
    labels = yaml.safe_load((await kube("get", "deploy", "web", "-o", "yaml")).out)["metadata"]["labels"]
    assert labels == {"app": "web"}
    bad = await kube("label", "deploy", "web", "bad key=1")
    assert bad.code == 1 and bad.err.startswith("error: invalid label")
