"""Which checks a level:version runs, and their results joined into one message.

As upstream's registry: each check has versions (the first policy version each
revision applies to); `latest` and versions past the newest check mean the server's
own version. A restricted check may override a baseline one it tightens
(restrictedVolumes replaces hostPathVolumes). Checks run baseline first, then
restricted, each group in the order of its IDs, so messages read as Kubernetes'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kube.apiserver.admission.pod_security import checks_baseline as b
from kube.apiserver.admission.pod_security import checks_restricted as r
from kube.apiserver.admission.pod_security.policy import BASELINE, PRIVILEGED, RESTRICTED, LevelVersion
from kube.apiserver.handlers.health import version_info


@dataclass(frozen=True)
class Revision:
    minimum: int  # the v1.<minimum> this revision starts at
    check: b.Check
    overrides: tuple[str, ...] = ()


CHECKS: dict[str, tuple[str, tuple[Revision, ...]]] = {
    "appArmorProfile": (BASELINE, (Revision(0, b.app_armor),)),
    "capabilities_baseline": (BASELINE, (Revision(0, b.capabilities_baseline),)),
    "hostNamespaces": (BASELINE, (Revision(0, b.host_namespaces),)),
    "hostPathVolumes": (BASELINE, (Revision(0, b.host_path_volumes),)),
    "hostPorts": (BASELINE, (Revision(0, b.host_ports),)),
    "hostProbesAndHostLifecycle": (BASELINE, (Revision(34, b.host_probes_and_lifecycle),)),
    "privileged": (BASELINE, (Revision(0, b.privileged),)),
    "procMount": (BASELINE, (Revision(0, b.proc_mount), Revision(35, b.proc_mount_1_35))),
    "seLinuxOptions": (BASELINE, (Revision(0, b.se_linux(b.SELINUX_TYPES_1_0)),
                                  Revision(31, b.se_linux(b.SELINUX_TYPES_1_31)))),
    "seccompProfile_baseline": (BASELINE, (Revision(0, b.seccomp_baseline_1_0), Revision(19, b.seccomp_baseline_1_19))),
    "sysctls": (BASELINE, (Revision(0, b.sysctls(b.SYSCTLS_1_0)), Revision(27, b.sysctls(b.SYSCTLS_1_27)),
                           Revision(29, b.sysctls(b.SYSCTLS_1_29)), Revision(32, b.sysctls(b.SYSCTLS_1_32)),
                           Revision(37, b.sysctls(b.SYSCTLS_1_37)))),
    "windowsHostProcess": (BASELINE, (Revision(0, b.windows_host_process),)),
    "allowPrivilegeEscalation": (RESTRICTED, (Revision(8, r.allow_privilege_escalation_1_8),
                                              Revision(25, r.allow_privilege_escalation_1_25))),
    "capabilities_restricted": (RESTRICTED, (
        Revision(22, r.capabilities_restricted_1_22, ("capabilities_baseline",)),
        Revision(25, r.capabilities_restricted_1_25, ("capabilities_baseline",)))),
    "procMount_restricted": (RESTRICTED, (Revision(35, b.proc_mount, ("procMount",)),)),
    "restrictedVolumes": (RESTRICTED, (Revision(0, r.restricted_volumes, ("hostPathVolumes",)),)),
    "runAsNonRoot": (RESTRICTED, (Revision(0, r.run_as_non_root_1_0), Revision(35, r.run_as_non_root_1_35))),
    "runAsUser": (RESTRICTED, (Revision(23, r.run_as_user_1_23), Revision(35, r.run_as_user_1_35))),
    "seccompProfile_restricted": (RESTRICTED, (
        Revision(19, r.seccomp_restricted_1_19, ("seccompProfile_baseline",)),
        Revision(25, r.seccomp_restricted_1_25, ("seccompProfile_baseline",)))),
}
NEWEST = max(rev.minimum for _, revs in CHECKS.values() for rev in revs)
SERVER_MINOR = int(version_info()["minor"])
MAX_MINOR = min(NEWEST, SERVER_MINOR)  # latest = this server's version (upstream's emulation version)
_ORDER = sorted(i for i, (lvl, _) in CHECKS.items() if lvl == BASELINE) + \
    sorted(i for i, (lvl, _) in CHECKS.items() if lvl == RESTRICTED)
_cache: dict[tuple[str, int], list[b.Check]] = {}


def _at(revisions: tuple[Revision, ...], minor: int) -> Revision | None:
    found = None
    for rev in revisions:
        if rev.minimum <= minor:
            found = rev
    return found


def checks_for(lv: LevelVersion) -> list[b.Check]:
    if lv.level == PRIVILEGED:
        return []
    minor = min(lv.version.minor, MAX_MINOR)
    cached = _cache.get((lv.level, minor))
    if cached is not None:
        return cached
    chosen: dict[str, Revision] = {}
    for check_id, (level, revisions) in CHECKS.items():
        rev = _at(revisions, minor)
        if rev is not None and (level == BASELINE or lv.level == RESTRICTED):
            chosen[check_id] = rev
    overridden = {o for rev in chosen.values() for o in rev.overrides}
    fns = [chosen[i].check for i in _ORDER if i in chosen and i not in overridden]
    _cache[(lv.level, minor)] = fns
    return fns


@dataclass(frozen=True)
class Verdict:
    reasons: tuple[str, ...]
    details: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.reasons

    def reason(self) -> str:
        """Reasons only: what a namespace relabel reports per pod."""
        return ", ".join(self.reasons)

    def detail(self) -> str:
        """`reason (detail), ...`: what a refused or warned write says."""
        return ", ".join(f"{r} ({d})" if d else r for r, d in zip(self.reasons, self.details, strict=True))


def evaluate(lv: LevelVersion, meta: dict[str, Any], spec: dict[str, Any]) -> Verdict:
    results = [res for check in checks_for(lv) if (res := check(meta, spec)) is not None]
    return Verdict(tuple(res[0] or "unknown forbidden reason" for res in results), tuple(res[1] for res in results))
