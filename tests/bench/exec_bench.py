"""Exec round trip through the API server, from the Python client on loopback: stream(
connect_get_namespaced_pod_exec, command=["true"]) -> API server (TLS, spliced) -> the node's server
(TLS, WebSocket) -> Docker exec in a busybox pod of a `kube up --runtime docker` cluster -> the closing
Status back. Beside it, the floor: the same Docker exec (create, hijacked start, inspect) called
directly on dockerd's socket.

`python -m tests.bench.exec_bench [--runs 100]` prints one JSON line (milliseconds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kube.node import docker_exec
from tests.e2e.exec_cluster import exec_cluster
from tests.local.local_cluster import LocalCluster


@contextmanager
def bench_cluster() -> Iterator[LocalCluster]:
    base = Path(tempfile.mkdtemp(prefix="exec-bench-"))
    try:
        yield from exec_cluster(base, cidr="10.246.64.0/18")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1] * 1000, 1),
            "p99_ms": round(ordered[max(int(len(ordered) * 0.99) - 1, 0)] * 1000, 1)}


def through_api(cluster: LocalCluster, runs: int) -> list[float]:
    from kubernetes import client, config
    from kubernetes.stream import stream

    api = client.CoreV1Api(config.new_client_from_config(str(cluster.kubeconfig)))
    samples = []
    for i in range(runs + 5):
        started = time.perf_counter()
        ws = stream(api.connect_get_namespaced_pod_exec, "box", "default", command=["true"], stderr=True,
                    stdin=False, stdout=True, tty=False, _preload_content=False)
        ws.run_forever(timeout=30)
        assert ws.returncode == 0
        if i >= 5:  # the first few warm the client's and servers' code paths
            samples.append(time.perf_counter() - started)
    return samples


async def docker_floor(container_id: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        exec_id = await docker_exec.create_exec(container_id, ["true"], False, True, True, False)
        stream = await docker_exec.start_exec(exec_id, False)
        async for _ in stream.output(False):
            pass
        stream.close()
        while (await docker_exec.inspect_exec(exec_id)).get("Running"):
            await asyncio.sleep(0.001)
        samples.append(time.perf_counter() - started)
    return samples


def run(runs: int) -> dict[str, Any]:
    import docker

    with bench_cluster() as cluster:
        client = docker.from_env()
        box = client.containers.list(filters={"label": "io.kube.pod.name=box"})[0].id
        client.close()
        api = through_api(cluster, runs)
        floor = asyncio.run(docker_floor(box, runs))
    return {"runs": runs, "python_client_via_api_server": _figures(api), "docker_exec_alone": _figures(floor)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    print(json.dumps(run(parser.parse_args().runs)))


if __name__ == "__main__":
    main()
