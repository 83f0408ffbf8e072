"""resolv.conf(5), read and written: the host's resolvers are the DNS daemon's upstreams and a
`dnsPolicy: Default` pod's configuration, and the node agent writes every pod's file."""

from __future__ import annotations

from dataclasses import dataclass, field

HOST_RESOLV_CONF = "/etc/resolv.conf"


@dataclass
class ResolvConf:
    nameservers: list[str] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)  # "ndots:5", "edns0", as written

    def render(self) -> str:
        lines = [f"nameserver {ns}" for ns in self.nameservers]
        if self.searches:
            lines.append("search " + " ".join(self.searches))
        if self.options:
            lines.append("options " + " ".join(self.options))
        return "\n".join(lines) + "\n"


def parse_resolv_conf(text: str) -> ResolvConf:
    """The nameserver, search (or domain) and options lines; the last search line wins, as in glibc."""
    conf = ResolvConf()
    for line in text.splitlines():
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(words) < 2:
            continue
        if words[0] == "nameserver":
            conf.nameservers.append(words[1])
        elif words[0] in ("search", "domain"):
            conf.searches = words[1:]
        elif words[0] == "options":
            conf.options.extend(words[1:])
    return conf


def read_resolv_conf(path: str = HOST_RESOLV_CONF) -> ResolvConf:
    """The file at path (an empty configuration when there is none)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return parse_resolv_conf(f.read())
    except FileNotFoundError:
        return ResolvConf()
