"""A pod's /etc/resolv.conf, as the kubelet makes it (pkg/kubelet/network/dns/dns.go).

    dnsPolicy                    nameservers / search / options
    ClusterFirst (the default)   --cluster-dns / <ns>.svc.D svc.D D + the host's / ndots:5
    ClusterFirstWithHostNet      as ClusterFirst (a hostNetwork pod with ClusterFirst gets Default)
    Default                      the node's own resolv.conf
    None                         nothing but dnsConfig

dnsConfig is then merged for every policy: its nameservers and searches appended (no
duplicates), its options replacing those of the same name. ClusterFirst without
--cluster-dns falls back to Default, as the kubelet does. Limits as Kubernetes': three
nameservers, 32 search domains.

Why a bind-mounted file: a pod's containers join the pause container's network namespace,
and Docker gives a container in `container:` network mode the joined container's
resolv.conf and refuses --dns for it; on a user-defined network it would also put its own
127.0.0.11 resolver first. A file of ours, mounted at /etc/resolv.conf into every container
(Docker then leaves that path alone), says exactly what Kubernetes says, on any network.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from kube.api.meta import Obj
from kube.component.resolv_conf import ResolvConf, read_resolv_conf
from kube.node.pod_volumes import pod_dir

MAX_NAMESERVERS = 3
MAX_SEARCHES = 32
RESOLV_CONF_FILE = "resolv.conf"  # in the pod's directory


@dataclass
class ClusterDNS:
    """The node's --cluster-dns (empty: none) and --cluster-domain; the host's resolv.conf."""

    nameservers: list[str] = field(default_factory=lambda: ["10.96.0.10"])
    domain: str = "cluster.local"
    host_file: str = "/etc/resolv.conf"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def pod_resolv_conf(pod: Obj, dns: ClusterDNS, host: ResolvConf) -> ResolvConf:
    """What the pod's /etc/resolv.conf says."""
    spec = pod.get("spec") or {}
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    host_network = bool(spec.get("hostNetwork"))
    if policy == "ClusterFirst" and host_network:
        policy = "Default"
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet") and not dns.nameservers:
        policy = "Default"
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        namespace = str((pod.get("metadata") or {}).get("namespace") or "default")
        domain = dns.domain.strip(".")
        conf = ResolvConf(list(dns.nameservers), [f"{namespace}.svc.{domain}", f"svc.{domain}", domain,
                                                  *host.searches], ["ndots:5"])
    elif policy == "None":
        conf = ResolvConf()
    else:
        conf = ResolvConf(list(host.nameservers), list(host.searches), list(host.options))
    extra = spec.get("dnsConfig") or {}
    conf.nameservers = _unique(conf.nameservers + [str(n) for n in extra.get("nameservers") or []])
    conf.nameservers = conf.nameservers[:MAX_NAMESERVERS]
    conf.searches = _unique(conf.searches + [str(s) for s in extra.get("searches") or []])[:MAX_SEARCHES]
    options = {o.split(":", 1)[0]: o for o in conf.options}
    for option in extra.get("options") or []:
        if isinstance(option, dict) and option.get("name"):
            value = option.get("value")
            options[str(option["name"])] = f"{option['name']}:{value}" if value not in (None, "") else str(option["name"])
    conf.options = list(options.values())
    return conf


def write_pod_resolv_conf(pod: Obj, dns: ClusterDNS, root_dir: str) -> str:
    """Write the pod's file under its directory (only when it changed); its path."""
    text = pod_resolv_conf(pod, dns, read_resolv_conf(dns.host_file)).render()
    directory = pod_dir(root_dir, str((pod.get("metadata") or {}).get("uid", "")))
    path = os.path.join(directory, RESOLV_CONF_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return path
    except FileNotFoundError:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:  # in place: a bind mount pins the inode, not the name
        f.write(text)
    os.chmod(path, 0o644)
    return path


def resolv_conf_bind(path: str) -> str:
    """The Docker bind of the pod's file over /etc/resolv.conf."""
    return f"{path}:/etc/resolv.conf"
