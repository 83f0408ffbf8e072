"""KubeSchedulerConfiguration loading: profiles, enabled/disabled plugins, weights, args."""

from __future__ import annotations

import pytest

from kube.api.errors import StatusError
from kube.scheduler.config import load_config
from kube.scheduler.plugins import DEFAULT_PLUGINS
from tests.scheduler.objects import node, pod, schedule_all

CONFIG = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: packer
  plugins:
    score:
      disabled: [{name: NodeResourcesBalancedAllocation}]
      enabled: [{name: ImageLocality, weight: 5}]
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated}}
"""


def test_profiles_from_yaml(tmp_path):
    path = tmp_path / "sched.yaml"
    path.write_text(CONFIG)
    default, packer = load_config(str(path))
    assert default.plugins == list(DEFAULT_PLUGINS)
    assert packer.scheduler_name == "packer"
    assert "NodeResourcesBalancedAllocation" not in packer.plugins
    assert packer.weight("ImageLocality") == 5 and packer.weight("TaintToleration") == 3
    s = schedule_all([node("a"), node("b")], [pod(f"p{i}", schedulerName="packer") for i in range(3)],
                     profiles=[default, packer])
    assert len(set(s.binder.bound.values())) == 1  # MostAllocated packs


@pytest.mark.parametrize(("text", "needle"), [
    ("profiles: [{plugins: {filter: {disabled: [{name: Bogus}]}}}]", 'Unsupported value: "Bogus"'),
    ("profiles: [{pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {type: Weird}}}]}]", ""),
    ("kind: Pod", "expected kind KubeSchedulerConfiguration"),
    ("profiles: [{schedulerName: a}, {schedulerName: a}]", "Duplicate value"),
    (": : :", "invalid YAML"),
])
def test_bad_config_is_a_clear_error(tmp_path, text, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    if not needle:  # a bad plugin argument surfaces when the profile's framework is built
        profiles = load_config(str(path))
        with pytest.raises(StatusError, match="scoringStrategy.type"):
            schedule_all([node("a")], [], profiles=profiles)
        return
    with pytest.raises(StatusError, match=needle):
        load_config(str(path))


def test_disabling_a_filter_turns_it_off(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("profiles: [{plugins: {multiPoint: {disabled: [{name: TaintToleration}]}}}]")
    taint = {"key": "k", "value": "v", "effect": "NoSchedule"}
    s = schedule_all([node("t", taints=[taint])], [pod("p")], profiles=load_config(str(path)))
    assert s.binder.bound == {"default/p": "t"}
