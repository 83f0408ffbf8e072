"""Levels, versions and a namespace's policy from its labels, as k8s.io/pod-security-admission/api.

A namespace says `pod-security.kubernetes.io/<mode>: <level>` and optionally
`<mode>-version: v1.X | latest` for each mode (enforce, audit, warn); what it
leaves out comes from the cluster default (PodSecurityConfiguration). A bad
label value fails closed for enforce (restricted) and open for audit and warn
(privileged), and is refused on the namespace itself (422).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from kube.api.errors import FieldError, invalid

PRIVILEGED, BASELINE, RESTRICTED = "privileged", "baseline", "restricted"
LEVELS = (PRIVILEGED, BASELINE, RESTRICTED)
LABEL_PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "audit", "warn")
_VERSION = re.compile(r"^v1\.([0-9]|[1-9][0-9]*)$")


@dataclass(frozen=True, order=True)
class Version:
    """v1.minor, or latest (newer than any minor)."""

    minor: int  # 10**6 for latest: compares above every real version

    @staticmethod
    def latest() -> Version:
        return LATEST

    @property
    def is_latest(self) -> bool:
        return self.minor == LATEST.minor

    def __str__(self) -> str:
        return "latest" if self.is_latest else f"v1.{self.minor}"


LATEST = Version(10**6)


@dataclass(frozen=True)
class LevelVersion:
    level: str
    version: Version

    def __str__(self) -> str:
        return f"{self.level}:{self.version}"

    def equivalent(self, other: LevelVersion) -> bool:
        return (self.level == PRIVILEGED and other.level == PRIVILEGED) or self == other


@dataclass(frozen=True)
class Policy:
    enforce: LevelVersion
    audit: LevelVersion
    warn: LevelVersion

    @property
    def fully_privileged(self) -> bool:
        return all(lv.level == PRIVILEGED for lv in (self.enforce, self.audit, self.warn))

    def equivalent(self, other: Policy) -> bool:
        return (self.enforce.equivalent(other.enforce) and self.audit.equivalent(other.audit)
                and self.warn.equivalent(other.warn))


PRIVILEGED_POLICY = Policy(*(LevelVersion(PRIVILEGED, LATEST),) * 3)


def parse_level(text: str) -> str:
    if text not in LEVELS:
        raise ValueError("must be one of " + ", ".join(LEVELS))
    return text


def parse_version(text: str) -> Version:
    if text == "latest":
        return LATEST
    match = _VERSION.match(text)
    if match is None:
        raise ValueError('must be "latest" or "v1.x"')
    return Version(int(match.group(1)))


def compare_levels(a: str, b: str) -> int:
    return (LEVELS.index(a) > LEVELS.index(b)) - (LEVELS.index(a) < LEVELS.index(b))


def policy_from_labels(labels: dict[str, str], defaults: Policy) -> tuple[Policy, list[FieldError]]:
    """The namespace's effective policy and the errors in its labels (PolicyToEvaluate)."""
    errors: list[FieldError] = []
    modes = {"enforce": defaults.enforce, "audit": defaults.audit, "warn": defaults.warn}
    has_enforce_level = has_warn_level = has_warn_version = False
    for mode in MODES:
        lv = modes[mode]
        key = LABEL_PREFIX + mode
        if key in labels:
            try:
                lv = replace(lv, level=parse_level(labels[key]))
                has_enforce_level = has_enforce_level or mode == "enforce"
            except ValueError as exc:
                errors.append(invalid(f"metadata.labels[{key}]", labels[key], str(exc)))
                lv = replace(lv, level=RESTRICTED if mode == "enforce" else PRIVILEGED)  # closed / open
            has_warn_level = has_warn_level or mode == "warn"
        if key + "-version" in labels:
            try:
                lv = replace(lv, version=parse_version(labels[key + "-version"]))
            except ValueError as exc:
                errors.append(invalid(f"metadata.labels[{key}-version]", labels[key + "-version"], str(exc)))
                lv = replace(lv, version=LATEST)
            has_warn_version = has_warn_version or mode == "warn"
        modes[mode] = lv
    enforce, warn = modes["enforce"], modes["warn"]
    if not has_warn_level and has_enforce_level and compare_levels(enforce.level, warn.level) > 0:
        # warn defaults to a stricter enforce level, so `kubectl apply` shows what enforce refuses
        modes["warn"] = LevelVersion(enforce.level, warn.version if has_warn_version else enforce.version)
    return Policy(modes["enforce"], modes["audit"], modes["warn"]), errors
