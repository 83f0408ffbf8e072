"""The baseline level of the Pod Security Standards, check by check (k8s.io/pod-security-admission/policy).

Each check takes the pod's metadata and spec (JSON-shaped, already validated) and
returns None when allowed, or (reason, detail): the reason is what a namespace
relabel reports per pod, the detail names the containers and values, in
Kubernetes' own words (the messages are what users grep for).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Result = tuple[str, str] | None
Check = Callable[[dict[str, Any], dict[str, Any]], Result]

CAPABILITIES_ALLOWED = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                  "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})
SELINUX_TYPES_1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
SELINUX_TYPES_1_31 = SELINUX_TYPES_1_0 | {"container_engine_t"}
SYSCTLS_1_0 = frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                         "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"})
SYSCTLS_1_27 = SYSCTLS_1_0 | {"net.ipv4.ip_local_reserved_ports"}
SYSCTLS_1_29 = SYSCTLS_1_27 | {"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                               "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"}
SYSCTLS_1_32 = SYSCTLS_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
SYSCTLS_1_37 = SYSCTLS_1_32 | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Init containers, containers, then ephemeral containers (Kubernetes' visitContainers order)."""
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(field) or []:
            if isinstance(c, dict):
                yield c


def sc(obj: dict[str, Any]) -> dict[str, Any]:
    return d(obj.get("securityContext"))


def quote(items: list[str] | set[str]) -> str:
    return ", ".join(f'"{i}"' for i in items)


def plural(singular: str, many: str, count: int) -> str:
    return singular if count == 1 else many


def containers_phrase(names: list[str]) -> str:
    return f"{plural('container', 'containers', len(names))} {quote(names)}"


def setters(pod_bad: bool, names: list[str]) -> list[str]:
    return (["pod"] if pod_bad else []) + ([containers_phrase(names)] if names else [])


def user_namespace(spec: dict[str, Any]) -> bool:
    """hostUsers: false relaxes some checks (the pod's root is not the host's)."""
    return spec.get("hostUsers") is False


def privileged(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad = [c.get("name", "") for c in containers(spec) if sc(c).get("privileged") is True]
    if bad:
        return "privileged", f"{containers_phrase(bad)} must not set securityContext.privileged=true"
    return None


def host_namespaces(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad = [f"{f}=true" for f in ("hostNetwork", "hostPID", "hostIPC") if spec.get(f) is True]
    return ("host namespaces", ", ".join(bad)) if bad else None


def host_path_volumes(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad = [v.get("name", "") for v in spec.get("volumes") or [] if isinstance(v, dict) and v.get("hostPath")
           is not None]
    return ("hostPath volumes", f"{plural('volume', 'volumes', len(bad))} {quote(bad)}") if bad else None


def host_ports(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad: list[str] = []
    ports: set[str] = set()
    for c in containers(spec):
        used = [str(p["hostPort"]) for p in c.get("ports") or [] if isinstance(p, dict) and p.get("hostPort")]
        if used:
            bad.append(c.get("name", ""))
            ports.update(used)
    if not bad:
        return None
    return "hostPort", (f"{containers_phrase(bad)} {plural('uses', 'use', len(bad))} "
                        f"{plural('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}")


def host_probes_and_lifecycle(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad: set[str] = set()
    hosts: set[str] = set()
    for c in containers(spec):
        handlers = [d(c.get(p)) for p in ("livenessProbe", "readinessProbe", "startupProbe")]
        handlers += [d(d(c.get("lifecycle")).get(h)) for h in ("postStart", "preStop")]
        for h in handlers:
            for action in ("httpGet", "tcpSocket"):
                host = d(h.get(action)).get("host")
                if host:
                    bad.add(c.get("name", ""))
                    hosts.add(str(host))
    if not bad:
        return None
    return "probe or lifecycle host", (
        f"{containers_phrase(sorted(bad))} {plural('uses', 'use', len(bad))} "
        f"{plural('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} {quote(sorted(hosts))}")


def capabilities_baseline(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad: list[str] = []
    caps: set[str] = set()
    for c in containers(spec):
        added = [str(x) for x in d(sc(c).get("capabilities")).get("add") or [] if x not in CAPABILITIES_ALLOWED]
        if added:
            bad.append(c.get("name", ""))
            caps.update(added)
    if bad:
        return "non-default capabilities", (f"{containers_phrase(bad)} must not include {quote(sorted(caps))} in "
                                            "securityContext.capabilities.add")
    return None


def _allowed_apparmor(profile: Any) -> bool:
    return d(profile).get("type") in ("RuntimeDefault", "Localhost")


def app_armor(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad_values: set[str] = set()
    pod_profile = sc(spec).get("appArmorProfile")
    pod_bad = pod_profile is not None and not _allowed_apparmor(pod_profile)
    if pod_bad:
        bad_values.add(str(d(pod_profile).get("type", "")))
    names = []
    for c in containers(spec):
        profile = sc(c).get("appArmorProfile")
        if profile is not None and not _allowed_apparmor(profile):
            names.append(c.get("name", ""))
            bad_values.add(str(d(profile).get("type", "")))
    who = setters(pod_bad, names)
    values = sorted(bad_values)
    annotations = sorted(f'{k}="{v}"' for k, v in d(meta.get("annotations")).items()
                         if k.startswith(APPARMOR_ANNOTATION) and v
                         and v != "runtime/default" and not str(v).startswith("localhost/"))
    if annotations:
        values += annotations
        who.append(plural("annotation", "annotations", len(annotations)))
    if not who:
        return None
    return (plural("forbidden AppArmor profile", "forbidden AppArmor profiles", len(values)),
            f"{' and '.join(who)} must not set AppArmor profile type to {quote(values)}")


def se_linux(allowed_types: frozenset[str]) -> Check:
    def check(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
        bad_types: set[str] = set()
        flags = {"user": False, "role": False}

        def valid(opts: dict[str, Any]) -> bool:
            ok = True
            if str(opts.get("type") or "") not in allowed_types:
                ok = False
                bad_types.add(str(opts.get("type") or ""))
            for f in ("user", "role"):
                if opts.get(f):
                    ok = False
                    flags[f] = True
            return ok

        pod_opts = sc(spec).get("seLinuxOptions")
        pod_bad = isinstance(pod_opts, dict) and not valid(pod_opts)
        names = [c.get("name", "") for c in containers(spec)
                 if isinstance(sc(c).get("seLinuxOptions"), dict) and not valid(sc(c)["seLinuxOptions"])]
        who = setters(pod_bad, names)
        if not who:
            return None
        data = [f"{plural('type', 'types', len(bad_types))} {quote(sorted(bad_types))}"] if bad_types else []
        data += [f"{f} may not be set" for f in ("user", "role") if flags[f]]
        return "seLinuxOptions", f"{' and '.join(who)} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}"
    return check


def proc_mount(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad: list[str] = []
    kinds: set[str] = set()
    for c in containers(spec):
        mount = sc(c).get("procMount")
        if mount is not None and mount != "Default":
            bad.append(c.get("name", ""))
            kinds.add(str(mount))
    if bad:
        return "procMount", f"{containers_phrase(bad)} must not set securityContext.procMount to {quote(sorted(kinds))}"
    return None


def proc_mount_1_35(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    return None if user_namespace(spec) else proc_mount(meta, spec)


def _valid_seccomp(profile: Any) -> bool:
    return d(profile).get("type") in ("RuntimeDefault", "Localhost")


def seccomp_baseline_1_0(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    annotations = d(meta.get("annotations"))

    def valid(v: Any) -> bool:
        return v in ("runtime/default", "docker/default") or str(v).startswith("localhost/")

    bad = set()
    if SECCOMP_POD_ANNOTATION in annotations and not valid(annotations[SECCOMP_POD_ANNOTATION]):
        bad.add(f'{SECCOMP_POD_ANNOTATION}="{annotations[SECCOMP_POD_ANNOTATION]}"')
    for c in containers(spec):
        key = SECCOMP_CONTAINER_ANNOTATION + str(c.get("name", ""))
        if key in annotations and not valid(annotations[key]):
            bad.add(f'{key}="{annotations[key]}"')
    if bad:
        return "seccompProfile", f"forbidden {plural('annotation', 'annotations', len(bad))} {', '.join(sorted(bad))}"
    return None


def seccomp_explicit(spec: dict[str, Any]) -> tuple[bool, bool, list[str], list[str], set[str]]:
    """(pod set a bad type, pod set a good one, containers with bad types, containers unset, bad types)."""
    values: set[str] = set()
    pod_profile = sc(spec).get("seccompProfile")
    pod_bad = pod_profile is not None and not _valid_seccomp(pod_profile)
    if pod_bad:
        values.add(str(d(pod_profile).get("type", "")))
    bad, unset = [], []
    for c in containers(spec):
        profile = sc(c).get("seccompProfile")
        if profile is None:
            unset.append(c.get("name", ""))
        elif not _valid_seccomp(profile):
            bad.append(c.get("name", ""))
            values.add(str(d(profile).get("type", "")))
    return pod_bad, pod_profile is not None and not pod_bad, bad, unset, values


def seccomp_baseline_1_19(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    pod_bad, _, bad, _, values = seccomp_explicit(spec)
    who = setters(pod_bad, bad)
    if who:
        return "seccompProfile", (f"{' and '.join(who)} must not set securityContext.seccompProfile.type to "
                                  f"{quote(sorted(values))}")
    return None


def sysctls(allowed: frozenset[str]) -> Check:
    def check(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
        bad = [str(s.get("name", "")) for s in sc(spec).get("sysctls") or []
               if isinstance(s, dict) and s.get("name") not in allowed]
        return ("forbidden sysctls", ", ".join(bad)) if bad else None
    return check


def windows_host_process(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    def on(obj: dict[str, Any]) -> bool:
        return d(sc(obj).get("windowsOptions")).get("hostProcess") is True

    who = setters(on(spec), [c.get("name", "") for c in containers(spec) if on(c)])
    if who:
        return "hostProcess", f"{' and '.join(who)} must not set securityContext.windowsOptions.hostProcess=true"
    return None
