"""Pod IPs from a node's podCIDR (assigned by the controller manager's node IPAM).

The first usable address is the node's bridge gateway, so pods start at the
second; the network and broadcast addresses are never handed out. An address is
tied to a pod uid until released, and an agent that restarts re-occupies the IPs
its pods already show, so no address is ever given to two live pods.
"""

from __future__ import annotations

import ipaddress


class PodCidrExhausted(Exception):
    """Every address of the node's podCIDR is in use."""


class PodIPAllocator:
    def __init__(self, cidr: str) -> None:
        self.network = ipaddress.ip_network(cidr, strict=False)
        if self.network.num_addresses < 4:
            raise ValueError(f"podCIDR {cidr} is too small for pods")
        base = int(self.network.network_address)
        self.gateway = str(ipaddress.ip_address(base + 1))
        self._first = base + 2
        self._last = int(self.network.broadcast_address) - 1
        self._by_uid: dict[str, int] = {}
        self._used: set[int] = set()
        self._next = self._first

    @property
    def cidr(self) -> str:
        return str(self.network)

    def __len__(self) -> int:
        return len(self._by_uid)

    def get(self, uid: str) -> str | None:
        address = self._by_uid.get(uid)
        return None if address is None else str(ipaddress.ip_address(address))

    def contains(self, ip: str) -> bool:
        try:
            address = int(ipaddress.ip_address(ip))
        except ValueError:
            return False
        return self._first <= address <= self._last

    def occupy(self, uid: str, ip: str) -> bool:
        """Re-adopt an address a pod already has; False when it is outside the range or taken by another pod."""
        if not self.contains(ip):
            return False
        address = int(ipaddress.ip_address(ip))
        if self._by_uid.get(uid) == address:
            return True
        if address in self._used:
            return False
        self.release(uid)
        self._by_uid[uid] = address
        self._used.add(address)
        return True

    def allocate(self, uid: str) -> str:
        """The pod's address (the same one on every call until released)."""
        known = self.get(uid)
        if known is not None:
            return known
        span = self._last - self._first + 1
        for offset in range(span):
            address = self._first + (self._next - self._first + offset) % span
            if address not in self._used:
                self._used.add(address)
                self._by_uid[uid] = address
                self._next = address + 1 if address < self._last else self._first
                return str(ipaddress.ip_address(address))
        raise PodCidrExhausted(f"no free pod IP left in {self.network}")

    def release(self, uid: str) -> None:
        address = self._by_uid.pop(uid, None)
        if address is not None:
            self._used.discard(address)
