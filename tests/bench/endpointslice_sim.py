"""The EndpointSlice controller's pure part at scale, for the benchmark and its profile:
10,000 Services x 100,000 pods in one namespace (10 pods each; BROAD Services select a
whole tier, a quarter of all pods) on 100 zoned nodes, matched with the selector kernel
and packed with reconcile_slices, slices stored as the API server would name them. Pod 0
has no tier label, so it is selected by one 10-pod Service only."""

from __future__ import annotations

import copy
import itertools

from kube.controllers.actions import Create, Update
from kube.controllers.endpointslice.controller import slice_view
from kube.controllers.endpointslice.reconcile import reconcile_slices
from kube.controllers.service_matcher import ServiceMatcher

SERVICES = 10_000
PODS = 100_000
NODES = 100
BROAD = 5


def make_pod(j: int, services: int = SERVICES) -> dict:
    app = j % (services - BROAD)
    labels = {"app": f"a{app}", "tier": f"t{app % 4}", "hash": f"h{j % 20_000}"}
    if j == 0:
        del labels["tier"]
    return {"metadata": {"name": f"p{j}", "namespace": "default", "uid": f"u{j}", "labels": labels},
            "spec": {"nodeName": f"n{j % NODES}", "containers": [
                {"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]},
            "status": {"phase": "Running", "podIP": f"10.{j >> 16 & 255}.{j >> 8 & 255}.{j & 255}",
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def make_service(i: int, services: int = SERVICES) -> dict:
    selector = {"app": f"a{i}"} if i < services - BROAD else {"tier": f"t{i % 4}"}
    return {"metadata": {"name": f"s{i}", "namespace": "default", "uid": f"su{i}"},
            "spec": {"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}


class Sim:
    def __init__(self, engine: str = "auto", services: int = SERVICES, pods: int = PODS) -> None:
        self.pods = {f"default/p{j}": make_pod(j, services) for j in range(pods)}
        self.services = {f"default/s{i}": make_service(i, services) for i in range(services)}
        self.size = (services, pods)
        self.zones = {f"n{k}": f"zone-{k % 3}" for k in range(NODES)}
        self.engine = engine
        self.slices: dict[str, dict[str, dict]] = {}  # service key -> name -> slice
        self._names = itertools.count()
        self.match()

    def match(self) -> None:
        """What the controller does over its first lists: pods, Services, one rematch."""
        m = self.matcher = ServiceMatcher(self.engine)
        for key, pod in self.pods.items():
            m.set_pod(key, "default", pod["metadata"]["labels"])
        for key, svc in self.services.items():
            m.set_service(key, "default", svc["spec"]["selector"])
        m.rematch()

    def sync(self, key: str) -> list:
        pods = [self.pods[k] for k in self.matcher.pods_of(key)]
        return reconcile_slices(self.services.get(key), pods, list(self.slices.get(key, {}).values()), self.zones)

    def resync(self) -> int:
        """Every Service synced against the stored slices; the number of actions."""
        return sum(len(self.sync(key)) for key in self.services)

    def store(self, key: str, actions: list) -> None:
        mine = self.slices.setdefault(key, {})
        for a in actions:
            obj = copy.deepcopy(a.obj)
            meta = obj["metadata"]
            if isinstance(a, Create):
                meta["name"] = f"{meta.pop('generateName')}{next(self._names)}"
                meta["resourceVersion"] = "1"
            else:
                assert isinstance(a, Update)
                meta["resourceVersion"] = str(int(meta["resourceVersion"]) + 1)
            for port in obj["ports"]:
                port.setdefault("name", "")
            mine[meta["name"]] = obj

    def create_all(self) -> None:
        for key in self.services:
            self.store(key, self.sync(key))

    def pod_changed(self, key: str, new: dict) -> list:
        """One pod update through the controller's path: the view test, the kernel, the sync
        of every Service it affects; the actions (stored)."""
        old = self.pods[key]
        self.pods[key] = new
        if slice_view(old) == slice_view(new):
            return []
        out = []
        for service in self.matcher.set_pod(key, "default", new["metadata"]["labels"]):
            actions = self.sync(service)
            self.store(service, actions)
            out += actions
        return out
