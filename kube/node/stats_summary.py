"""The node's resource usage in the shape of the kubelet's Summary API (`/stats/summary`),
which the API server's metrics.k8s.io serves from (as metrics-server scrapes kubelets).

CPU is a rate: the difference of two cumulative samples over the time between them (the
`window`). Each request is measured against the samples the previous one kept; the first
request, or one less than `min_window` after the last, samples twice `min_window` apart.
Memory is the working set at the newer sample. Only running app containers are listed
(the pause sandbox is not a container of the pod's spec).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import docker

from kube.api.meta import Obj
from kube.node.container_config import L_CONTAINER, L_KIND, L_NAMESPACE, L_NODE, L_POD, L_UID
from kube.node.container_stats import Sample, docker_sample, host_sample

NODE_KEY = "(node)"


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cpu(prev: Sample | None, cur: Sample) -> Obj:
    window = cur.at - prev.at if prev is not None else 0.0
    rate = int((cur.cpu_ns - prev.cpu_ns) / window) if prev is not None and window > 0 else 0
    return {"time": _time(cur.at), "usageNanoCores": max(0, rate), "usageCoreNanoSeconds": cur.cpu_ns,
            "windowSeconds": round(window, 3)}


def _memory(cur: Sample) -> Obj:
    return {"time": _time(cur.at), "workingSetBytes": cur.memory_bytes, "usageBytes": cur.memory_bytes}


class StatsSummary:
    def __init__(self, client: docker.DockerClient, node_name: str, min_window: float = 1.0) -> None:
        self.docker = client
        self.node_name = node_name
        self.min_window = min_window
        self._prev: dict[str, Sample] = {}
        self._lock = threading.Lock()

    def _containers(self) -> list[Obj]:
        found = self.docker.api.containers(filters={"label": [f"{L_NODE}={self.node_name}"]})
        return [c for c in found if (c.get("Labels") or {}).get(L_KIND) != "pause"]

    def _sample_all(self, containers: list[Obj]) -> dict[str, Sample]:
        samples = {NODE_KEY: host_sample()}
        for c in containers:
            sample = docker_sample(self.docker, c["Id"])
            if sample is not None:
                samples[c["Id"]] = sample
        return samples

    def summary(self) -> Obj:
        """The Summary (blocking: samples Docker; may wait `min_window` for a first rate)."""
        with self._lock:
            containers = self._containers()
            now = time.time()
            stale = [c["Id"] for c in containers if c["Id"] not in self._prev] + (
                [NODE_KEY] if NODE_KEY not in self._prev else [])
            if stale or now - self._prev[NODE_KEY].at < self.min_window:
                first = self._sample_all(containers)
                for key, sample in first.items():
                    old = self._prev.get(key)
                    if old is None or now - old.at < self.min_window:
                        self._prev[key] = sample
                time.sleep(self.min_window)
            current = self._sample_all(containers)
            prev = dict(self._prev)
            self._prev = current  # the next request measures from here; vanished containers drop out
        pods: dict[str, Obj] = {}
        for c in containers:
            sample = current.get(c["Id"])
            if sample is None:
                continue
            labels = c.get("Labels") or {}
            pod = pods.setdefault(labels.get(L_UID, ""), {
                "podRef": {"name": labels.get(L_POD, ""), "namespace": labels.get(L_NAMESPACE, ""),
                           "uid": labels.get(L_UID, "")},
                "containers": []})
            pod["containers"].append({"name": labels.get(L_CONTAINER, ""), "cpu": _cpu(prev.get(c["Id"]), sample),
                                      "memory": _memory(sample)})
        for pod in pods.values():
            cpus = [c["cpu"] for c in pod["containers"]]
            mems = [c["memory"] for c in pod["containers"]]
            pod["cpu"] = {"time": cpus[0]["time"], "usageNanoCores": sum(c["usageNanoCores"] for c in cpus),
                          "usageCoreNanoSeconds": sum(c["usageCoreNanoSeconds"] for c in cpus),
                          "windowSeconds": max(c["windowSeconds"] for c in cpus)}
            pod["memory"] = {"time": mems[0]["time"], "workingSetBytes": sum(m["workingSetBytes"] for m in mems),
                             "usageBytes": sum(m["usageBytes"] for m in mems)}
        node = current[NODE_KEY]
        return {"node": {"nodeName": self.node_name, "cpu": _cpu(prev.get(NODE_KEY), node), "memory": _memory(node)},
                "pods": list(pods.values())}
