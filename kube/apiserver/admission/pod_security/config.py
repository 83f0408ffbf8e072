"""`--admission-control-config-file`: the PodSecurity plugin's cluster defaults and exemptions.

The file is kube-apiserver's AdmissionConfiguration; its PodSecurity plugin entry
carries a PodSecurityConfiguration inline (`configuration:`) or in a file (`path:`,
relative to the admission file):

    apiVersion: apiserver.config.k8s.io/v1
    kind: AdmissionConfiguration
    plugins:
    - name: PodSecurity
      configuration:
        apiVersion: pod-security.admission.config.k8s.io/v1
        kind: PodSecurityConfiguration
        defaults: {enforce: baseline, enforce-version: latest, warn: restricted}
        exemptions: {usernames: [], runtimeClasses: [], namespaces: [kube-system]}

Without a file every mode defaults to privileged:latest, as upstream.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kube.apiserver.admission.pod_security.policy import (
    PRIVILEGED_POLICY,
    LevelVersion,
    Policy,
    parse_level,
    parse_version,
)

ADMISSION_API_VERSIONS = ("apiserver.config.k8s.io/v1", "apiserver.k8s.io/v1alpha1")
POD_SECURITY_API_VERSIONS = ("pod-security.admission.config.k8s.io/v1", "pod-security.admission.config.k8s.io/v1beta1",
                             "pod-security.admission.config.k8s.io/v1alpha1")


class AdmissionConfigError(ValueError):
    """The admission file is not valid (one line naming the field)."""


@dataclass(frozen=True)
class PodSecurityConfig:
    defaults: Policy = PRIVILEGED_POLICY
    exempt_usernames: frozenset[str] = field(default_factory=frozenset)
    exempt_namespaces: frozenset[str] = field(default_factory=frozenset)
    exempt_runtime_classes: frozenset[str] = field(default_factory=frozenset)


DEFAULT = PodSecurityConfig()


@functools.lru_cache(maxsize=8)
def load(path: str) -> PodSecurityConfig:
    """The PodSecurity configuration of an AdmissionConfiguration file (DEFAULT for "")."""
    if not path:
        return DEFAULT
    doc = _read(Path(path), "--admission-control-config-file")
    if not isinstance(doc, dict) or doc.get("kind") != "AdmissionConfiguration":
        raise AdmissionConfigError(f'--admission-control-config-file: {path}: kind must be "AdmissionConfiguration"')
    if doc.get("apiVersion") not in ADMISSION_API_VERSIONS:
        raise AdmissionConfigError(f"--admission-control-config-file: {path}: apiVersion must be "
                                   f"{ADMISSION_API_VERSIONS[0]}, got {doc.get('apiVersion')!r}")
    for plugin in doc.get("plugins") or []:
        if isinstance(plugin, dict) and plugin.get("name") == "PodSecurity":
            conf = plugin.get("configuration")
            if conf is None and plugin.get("path"):
                conf = _read(Path(path).parent / str(plugin["path"]), "plugins[PodSecurity].path")
            return parse(conf)
    return DEFAULT


def _read(path: Path, what: str) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except OSError as exc:
        raise AdmissionConfigError(f"{what}: cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise AdmissionConfigError(f"{what}: {path} is not YAML or JSON: {exc}") from None


def parse(conf: Any) -> PodSecurityConfig:
    if not isinstance(conf, dict) or conf.get("kind") != "PodSecurityConfiguration":
        raise AdmissionConfigError('PodSecurity configuration: kind must be "PodSecurityConfiguration"')
    if conf.get("apiVersion") not in POD_SECURITY_API_VERSIONS:
        raise AdmissionConfigError(f"PodSecurity configuration: apiVersion must be {POD_SECURITY_API_VERSIONS[0]}, "
                                   f"got {conf.get('apiVersion')!r}")
    defaults = conf.get("defaults") or {}
    exemptions = conf.get("exemptions") or {}
    if not isinstance(defaults, dict) or not isinstance(exemptions, dict):
        raise AdmissionConfigError("PodSecurity configuration: defaults and exemptions must be objects")
    modes = []
    for mode in ("enforce", "audit", "warn"):
        level, version = str(defaults.get(mode) or "privileged"), str(defaults.get(f"{mode}-version") or "latest")
        try:
            modes.append(LevelVersion(parse_level(level), parse_version(version)))
        except ValueError as exc:
            raise AdmissionConfigError(f'defaults.{mode}: Invalid value: "{level}:{version}": {exc}') from None
    lists = {}
    for key in ("usernames", "namespaces", "runtimeClasses"):
        values = exemptions.get(key) or []
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise AdmissionConfigError(f"exemptions.{key}: Invalid value: must be a list of non-empty names")
        if len(set(values)) != len(values):
            raise AdmissionConfigError(f"exemptions.{key}: Duplicate value: {sorted(values)}")
        lists[key] = frozenset(values)
    return PodSecurityConfig(Policy(*modes), lists["usernames"], lists["namespaces"], lists["runtimeClasses"])
