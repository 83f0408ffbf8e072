"""Scheduler configuration in the spirit of KubeSchedulerConfiguration (v1).

    apiVersion: kubescheduler.config.k8s.io/v1
    kind: KubeSchedulerConfiguration
    profiles:
    - schedulerName: default-scheduler
      plugins:
        multiPoint: {enabled: [{name: X}], disabled: [{name: "*"}]}
        score:  {enabled: [{name: ImageLocality, weight: 5}], disabled: [...]}
        filter: {disabled: [...]}
      pluginConfig:
      - name: NodeResourcesFit
        args: {scoringStrategy: {type: MostAllocated}}

Every extension-point section counts: a plugin disabled anywhere is off
(our plugins run all their extension points together in the kernel).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kube.api.errors import bad_request
from kube.scheduler.plugins import BUILTIN, DEFAULT_PLUGINS
from kube.scheduler.pod_info import DEFAULT_SCHEDULER

POINTS = ("multiPoint", "preFilter", "filter", "postFilter", "preScore", "score", "reserve", "bind")


@dataclass
class Profile:
    scheduler_name: str = DEFAULT_SCHEDULER
    plugins: list[str] = field(default_factory=lambda: list(DEFAULT_PLUGINS))
    weights: dict[str, int] = field(default_factory=dict)
    args: dict[str, dict[str, Any]] = field(default_factory=dict)

    def weight(self, name: str) -> int:
        return self.weights.get(name, BUILTIN[name].default_weight)


def _names(entries: Any, where: str) -> list[dict[str, Any]]:
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("name") for e in entries):
        raise bad_request(f"{where}: must be a list of {{name: ...}}")
    for i, e in enumerate(entries):
        if e["name"] != "*" and e["name"] not in BUILTIN:
            raise bad_request(f'{where}[{i}].name: Unsupported value: "{e["name"]}": supported values: '
                              + ", ".join(f'"{n}"' for n in BUILTIN))
    return entries


def parse_profile(doc: dict[str, Any], where: str) -> Profile:
    enabled = list(DEFAULT_PLUGINS)
    weights: dict[str, int] = {}
    plugins = doc.get("plugins") or {}
    for point in POINTS:
        section = plugins.get(point) or {}
        for e in _names(section.get("disabled"), f"{where}.plugins.{point}.disabled"):
            enabled = [] if e["name"] == "*" else [n for n in enabled if n != e["name"]]
        for e in _names(section.get("enabled"), f"{where}.plugins.{point}.enabled"):
            if e["name"] != "*" and e["name"] not in enabled:
                enabled.append(e["name"])
            if "weight" in e:
                w = e["weight"]
                if not isinstance(w, int) or w < 0:
                    raise bad_request(f"{where}.plugins.{point}.enabled: weight: Invalid value: {w!r}: must be a non-negative integer")
                weights[e["name"]] = w
    enabled = [n for n in DEFAULT_PLUGINS if n in enabled]  # keep the filter order
    args = {}
    for i, pc in enumerate(doc.get("pluginConfig") or ()):
        name = (pc or {}).get("name")
        if name not in BUILTIN:
            raise bad_request(f'{where}.pluginConfig[{i}].name: Unsupported value: "{name}"')
        args[name] = pc.get("args") or {}
    return Profile(doc.get("schedulerName") or DEFAULT_SCHEDULER, enabled, weights, args)


def load_config(path: str | None) -> list[Profile]:
    """Profiles from a config file (None: the default profile). Raises StatusError on bad input."""
    if not path:
        return [Profile()]
    try:
        doc = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise bad_request(f"--config: {exc.strerror}: {path}") from None
    except yaml.YAMLError as exc:
        raise bad_request(f"--config: {path}: invalid YAML: {exc}") from None
    if not isinstance(doc, dict) or doc.get("kind", "KubeSchedulerConfiguration") != "KubeSchedulerConfiguration":
        raise bad_request(f"--config: {path}: expected kind KubeSchedulerConfiguration")
    profiles = [parse_profile(p or {}, f"profiles[{i}]") for i, p in enumerate(doc.get("profiles") or [{}])]
    names = [p.scheduler_name for p in profiles]
    if len(set(names)) != len(names):
        raise bad_request("profiles: Duplicate value: schedulerName must be unique")
    return profiles
