"""strategy_for: every entry is a registered kind, the rest get the default, and generic modules name no kind."""

from __future__ import annotations

import re
from pathlib import Path

from kube.api.registry import KINDS, KindInfo, by_gvk
from kube.apiserver.strategies import STRATEGIES, Strategy, strategy_for
from kube.apiserver.strategies.base import DEFAULT
from kube.apiserver.strategies.pod import PodStrategy

APISERVER = Path(__file__).resolve().parents[3] / "kube" / "apiserver"
# where a kind's name may appear: its rules, its table columns and wire schema, bootstrap objects, data
KIND_AWARE = ("strategies", "tables", "protobuf", "bootstrap", "openapi", "subresources", "allocators", "rbac",
              "admission",  # admission plugins read several kinds, as upstream's
              "audit",  # writes audit.k8s.io's own Event documents; keeps Secrets' bodies out, as upstream
              "flowcontrol")  # APF reads its own FlowSchemas and PriorityLevelConfigurations, as rbac its roles


def test_every_strategy_belongs_to_a_registered_kind() -> None:
    for (group, kind) in STRATEGIES:
        info = next((k for k in KINDS if k.group == group and k.kind == kind), None)
        assert info is not None, (group, kind)
        assert strategy_for(info) is STRATEGIES[(group, kind)]


def test_a_kind_without_rules_gets_the_default() -> None:
    config_map = by_gvk("", "v1", "ConfigMap")
    assert config_map is not None and strategy_for(config_map) is DEFAULT
    unknown = KindInfo("example.com", "v1", "Widget", "widgets", "widget", True)
    assert strategy_for(unknown) is DEFAULT


def test_lookup_is_by_group_and_kind_not_kind_alone() -> None:
    pod = by_gvk("", "v1", "Pod")
    assert pod is not None and isinstance(strategy_for(pod), PodStrategy)
    other_pod = KindInfo("example.com", "v1", "Pod", "pods", "pod", True)
    assert strategy_for(other_pod) is DEFAULT


def test_the_default_changes_nothing() -> None:
    obj = {"metadata": {"name": "a"}, "spec": {"x": 1}, "status": {"phase": "Whatever"}}
    DEFAULT.prepare_create(obj)
    new = {"metadata": {"name": "a"}, "spec": {"x": 2}}
    DEFAULT.prepare_update(new, obj)
    DEFAULT.on_deletion_marked(obj)
    assert obj["status"] == {"phase": "Whatever"} and new["spec"] == {"x": 2}
    assert not DEFAULT.allow_create_on_update and not DEFAULT.returns_deleted_object
    assert DEFAULT.deletion_grace(obj, 30) == 0 and not DEFAULT.waits_before_removal(obj)


def test_the_default_validates_with_the_api_rules() -> None:
    bad = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Not_A_Name", "namespace": "default"}}
    assert Strategy().validate(bad, None), "an invalid name must give field errors"
    good = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ok", "namespace": "default"}}
    assert Strategy().validate(good, None) == []


def test_generic_modules_name_no_kind() -> None:
    names = "|".join(sorted({k.kind for k in KINDS}, key=len, reverse=True))
    literal = re.compile(rf"""["']({names})["']""")
    offenders = []
    for path in APISERVER.rglob("*.py"):
        rel = path.relative_to(APISERVER)
        if rel.parts[0] in KIND_AWARE:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if literal.search(line):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == [], "kind-specific rules belong in strategies/:\n" + "\n".join(offenders)
