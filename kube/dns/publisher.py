"""How pods find the DNS daemons: the `kube-dns` Service and one EndpointSlice per daemon.

The Service (kube-system/kube-dns, no selector, the fixed --cluster-ip, ports dns 53/UDP and
dns-tcp 53/TCP with targetPort --dns-port, label k8s-app: kube-dns, as kubeadm names it) is
made when missing and otherwise left as an operator keeps it. Each daemon owns the slice
`kube-dns-<hostname>` (managed-by kube-dns.kube.local, so neither EndpointSlice controller
adopts or deletes it; owned by the Service, so deleting the Service removes it and the next
round makes both again): its own --advertise-address, ready, written once it serves and
deleted when it stops gracefully. Several masters' daemons therefore never write one object.
The round repeats every PERIOD (and at once when either object changes), which also
repairs an API server that lost them.
"""

from __future__ import annotations

import asyncio
import logging
import re

from kube.api.meta import Obj
from kube.api.registry import resolve
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.rest import RestClient

log = logging.getLogger("kube.dns")
SERVICE, ENDPOINTSLICE = resolve("services"), resolve("endpointslices.discovery.k8s.io")
NAMESPACE, NAME = "kube-system", "kube-dns"
MANAGED_BY = "kube-dns.kube.local"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
PERIOD = 10.0
WITHDRAW_TIMEOUT = 5.0  # a stop must not wait on an API server that is away


def slice_name(hostname: str) -> str:
    """kube-dns-<hostname>, made a valid object name (lowercase, [a-z0-9.-], at most 253)."""
    host = re.sub(r"[^a-z0-9.-]+", "-", hostname.lower()).strip("-.") or "host"
    return f"{NAME}-{host}"[:253].rstrip("-.")


def desired_service(cluster_ip: str, dns_port: int) -> Obj:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": {"k8s-app": NAME}},
            "spec": {"type": "ClusterIP", "clusterIP": cluster_ip, "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": dns_port},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": dns_port}]}}


def desired_slice(hostname: str, address: str, dns_port: int, service: Obj) -> Obj:
    meta = service.get("metadata") or {}
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": slice_name(hostname), "namespace": NAMESPACE,
                         "labels": {SERVICE_NAME_LABEL: NAME, MANAGED_BY_LABEL: MANAGED_BY},
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": NAME,
                                              "uid": meta.get("uid", "")}]},
            "addressType": "IPv6" if ":" in address else "IPv4",
            "endpoints": [{"addresses": [address],
                           "conditions": {"ready": True, "serving": True, "terminating": False}}],
            "ports": [{"name": "dns", "port": dns_port, "protocol": "UDP"},
                      {"name": "dns-tcp", "port": dns_port, "protocol": "TCP"}]}


def _same(observed: Obj, wanted: Obj) -> bool:
    labels = (observed.get("metadata") or {}).get("labels") or {}
    return (all(labels.get(k) == v for k, v in wanted["metadata"]["labels"].items())
            and [r.get("uid") for r in (observed.get("metadata") or {}).get("ownerReferences") or []]
            == [wanted["metadata"]["ownerReferences"][0]["uid"]]
            and all(observed.get(k) == wanted[k] for k in ("addressType", "endpoints", "ports")))


class Publisher:
    def __init__(self, client: RestClient, *, hostname: str, address: str, cluster_ip: str, dns_port: int) -> None:
        self.client = client
        self.hostname, self.address, self.cluster_ip, self.dns_port = hostname, address, cluster_ip, dns_port
        self.name = slice_name(hostname)
        self.published = False
        self.wake = asyncio.Event()

    def changed(self, obj: object) -> None:
        """An informer handler: our Service or slice changed (or went): check at once."""
        obj = getattr(obj, "obj", obj)  # a DeletedFinalStateUnknown carries the last state
        meta = (obj.get("metadata") or {}) if isinstance(obj, dict) else {}
        if meta.get("namespace") == NAMESPACE and meta.get("name") in (NAME, self.name):
            self.wake.set()

    async def ensure_service(self) -> Obj:
        try:
            service = await self.client.get(SERVICE, NAME, NAMESPACE)
        except ApiError as exc:
            if exc.code != 404:
                raise
            try:
                service = await self.client.create(SERVICE, desired_service(self.cluster_ip, self.dns_port), NAMESPACE)
                log.info("created Service %s/%s at %s", NAMESPACE, NAME, self.cluster_ip)
            except ApiError as exc:  # another master's daemon made it first
                if exc.code != 409:
                    raise
                service = await self.client.get(SERVICE, NAME, NAMESPACE)
        if (service.get("spec") or {}).get("clusterIP") != self.cluster_ip:
            log.warning("Service %s/%s has clusterIP %s, not --cluster-ip %s: pods told %s will not reach it",
                        NAMESPACE, NAME, (service.get("spec") or {}).get("clusterIP"), self.cluster_ip,
                        self.cluster_ip)
        return service

    async def publish_once(self) -> None:
        service = await self.ensure_service()
        wanted = desired_slice(self.hostname, self.address, self.dns_port, service)
        try:
            observed = await self.client.get(ENDPOINTSLICE, self.name, NAMESPACE)
        except ApiError as exc:
            if exc.code != 404:
                raise
            await self.client.create(ENDPOINTSLICE, wanted, NAMESPACE)
            log.info("published %s (%s:%d) in EndpointSlice %s/%s", self.hostname, self.address, self.dns_port,
                     NAMESPACE, self.name)
        else:
            if not _same(observed, wanted):
                wanted["metadata"]["resourceVersion"] = (observed.get("metadata") or {}).get("resourceVersion")
                await self.client.update(ENDPOINTSLICE, wanted, NAMESPACE)
                log.info("updated EndpointSlice %s/%s", NAMESPACE, self.name)
        self.published = True

    async def run(self) -> None:
        """Publish, then keep it so, until cancelled; API failures are retried next round."""
        failing = False
        while True:
            self.wake.clear()
            try:
                await self.publish_once()
                if failing:
                    log.info("EndpointSlice %s/%s published again", NAMESPACE, self.name)
                failing = False
            except (ApiError, ApiConnectionError, OSError) as exc:
                if not failing:
                    log.warning("cannot publish EndpointSlice %s/%s yet: %s", NAMESPACE, self.name, exc)
                failing = True
            try:
                async with asyncio.timeout(1.0 if failing else PERIOD):
                    await self.wake.wait()
            except TimeoutError:
                pass

    async def withdraw(self) -> None:
        """Delete our slice (a graceful stop): the proxies stop sending queries here."""
        try:
            async with asyncio.timeout(WITHDRAW_TIMEOUT):
                await self.client.delete(ENDPOINTSLICE, self.name, NAMESPACE)
            log.info("withdrew EndpointSlice %s/%s", NAMESPACE, self.name)
        except ApiError as exc:
            if exc.code != 404:
                log.warning("could not withdraw EndpointSlice %s/%s: %s", NAMESPACE, self.name, exc)
        except (ApiConnectionError, OSError, TimeoutError) as exc:  # the API is away: the slice stays behind
            log.warning("could not withdraw EndpointSlice %s/%s: %s", NAMESPACE, self.name, exc)
