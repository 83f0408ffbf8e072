"""The ranges Services draw from: a service CIDR and a NodePort range, parsed from the flags."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class IpRange:
    """Usable service IPs of a CIDR: not the network address, not the broadcast (IPv4), and the
    first usable one reserved for the `kubernetes` Service, as Kubernetes does."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network

    @classmethod
    def parse(cls, cidr: str) -> IpRange:
        try:
            net = ipaddress.ip_network(cidr.strip(), strict=True)
        except ValueError as exc:
            raise ValueError(f"invalid service CIDR {cidr!r}: {exc}") from exc
        if net.num_addresses < 8:
            raise ValueError(f"service CIDR {cidr!r} is too small (needs at least 8 addresses)")
        return cls(net)

    @property
    def family(self) -> str:
        return "IPv4" if self.network.version == 4 else "IPv6"

    @property
    def first(self) -> int:
        """Offset of the first usable address: the one reserved for the `kubernetes` Service."""
        return 1

    @property
    def last(self) -> int:
        """Offset of the last usable address (IPv4 keeps the broadcast out)."""
        return self.network.num_addresses - (2 if self.network.version == 4 else 1)

    @property
    def kubernetes_ip(self) -> str:
        return str(self.network.network_address + self.first)

    @property
    def size(self) -> int:
        """How many addresses ordinary Services can get."""
        return self.last - self.first

    def contains(self, ip: str) -> bool:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        if addr.version != self.network.version or addr not in self.network:
            return False
        offset = int(addr) - int(self.network.network_address)
        return self.first <= offset <= self.last

    def random_candidate(self, rng: random.Random) -> str:
        return str(self.network.network_address + rng.randint(self.first + 1, self.last))

    def scan(self, rng: random.Random) -> Iterator[str]:
        """Every ordinary address once, starting at a random one (so scanners spread out)."""
        start = rng.randint(0, self.size - 1)
        base = self.network.network_address + self.first + 1
        for i in range(self.size):
            yield str(base + (start + i) % self.size)

    def __str__(self) -> str:
        return str(self.network)


@dataclass(frozen=True)
class PortRange:
    low: int
    high: int

    @classmethod
    def parse(cls, text: str) -> PortRange:
        """`30000-32767` (or `30000+2767`, base plus size, as Kubernetes' flag also accepts)."""
        value = text.strip()
        try:
            if "+" in value:
                base, extra = value.split("+", 1)
                low, high = int(base), int(base) + int(extra)
            else:
                base, _, top = value.partition("-")
                low, high = int(base), int(top or base)
        except ValueError:
            raise ValueError(f"invalid node port range {text!r}: want LOW-HIGH, e.g. 30000-32767") from None
        if not 1 <= low <= high <= 65535:
            raise ValueError(f"invalid node port range {text!r}: ports must be 1..65535, low <= high")
        return cls(low, high)

    @property
    def size(self) -> int:
        return self.high - self.low + 1

    def contains(self, port: int) -> bool:
        return self.low <= port <= self.high

    def random_candidate(self, rng: random.Random) -> int:
        return rng.randint(self.low, self.high)

    def scan(self, rng: random.Random) -> Iterator[int]:
        start = rng.randint(0, self.size - 1)
        for i in range(self.size):
            yield self.low + (start + i) % self.size

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"
