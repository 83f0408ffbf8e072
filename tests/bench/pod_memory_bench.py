"""The API server's memory per running pod: an in-process server (SQLite) gets `--pods`
pods as a ReplicaSet's would be (created, bound, their status patched Running as a node
agent does), and the process's RSS before and after, over the pod count, is reported.
`--no-shared-strings` turns off kube/api/held_objects.py in the watch cache, for the A/B.
The client runs in the same process and holds nothing between requests.

    .venv/bin/python -m tests.bench.pod_memory_bench --pods 20000
    .venv/bin/python -m tests.bench.pod_memory_bench --pods 20000 --no-shared-strings

One JSON line. The figures go to docs/benchmarks.md ("Memory per pod").
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import ssl
import tempfile
from pathlib import Path

import aiohttp
import orjson

from kube.apiserver.auth.pki import ensure_pki
from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, server_config

PODS = "/api/v1/namespaces/default/pods"
NOW = "2026-12-04T19:00:00Z"
RS_UID = "0b0e8c9e-5f5c-4a43-9d7e-6c1b8d0f7e21"


def pod(i: int) -> dict:
    return {"metadata": {"name": f"web-5d8f7c9b4-{i:06d}", "generateName": "web-5d8f7c9b4-",
                         "labels": {"app": "web", "pod-template-hash": "5d8f7c9b4"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d8f7c9b4",
                                              "uid": RS_UID, "controller": True, "blockOwnerDeletion": True}]},
            "spec": {"containers": [{"name": "c", "image": "kube.local/busybox:1", "command": ["sleep", "3600"],
                                     "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}


def running(i: int) -> dict:
    ip = f"10.244.{i // 250}.{i % 250 + 2}"
    return {"status": {"phase": "Running", "hostIP": "10.0.0.1", "podIP": ip, "podIPs": [{"ip": ip}], "startTime": NOW,
                       "conditions": [{"type": t, "status": "True", "lastTransitionTime": NOW}
                                      for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")],
                       "containerStatuses": [{"name": "c", "ready": True, "started": True, "restartCount": 0,
                                              "image": "kube.local/busybox:1", "imageID": "docker://sha256:abc",
                                              "containerID": f"docker://{i:064d}",
                                              "state": {"running": {"startedAt": NOW}}, "lastState": {}}]}}


def rss() -> int:
    gc.collect()
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096


async def make_pods(s: aiohttp.ClientSession, n: int) -> None:
    async def one(i: int) -> None:
        name = pod(i)["metadata"]["name"]
        async with s.post(PODS, json=pod(i)) as r:
            assert r.status == 201, await r.text()
        async with s.post(f"{PODS}/{name}/binding", json={"metadata": {"name": name},
                                                          "target": {"kind": "Node", "name": "n1"}}) as r:
            assert r.status == 201, await r.text()
        async with s.patch(f"{PODS}/{name}/status", data=orjson.dumps(running(i)),
                           headers={"Content-Type": "application/strategic-merge-patch+json"}) as r:
            assert r.status == 200, await r.text()

    async def worker(k: int) -> None:
        for i in range(k, n, 32):
            await one(i)
    await asyncio.gather(*(worker(k) for k in range(32)))


async def run(pods: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        pki = Path(tmp) / "pki"
        ensure_pki(str(pki), ["127.0.0.1"])
        (pki / "tokens.csv").write_text(f'{ADMIN_TOKEN},kube-admin,kube-admin,"system:masters"\n')
        server = APIServer(server_config(pki, Path(tmp)))
        await server.start()
        ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        try:
            async with aiohttp.ClientSession(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                                             connector=aiohttp.TCPConnector(ssl=ctx, limit=32)) as s:
                async with s.post("/api/v1/nodes", json={"metadata": {"name": "n1"}}) as r:
                    assert r.status == 201, await r.text()
                before = rss()
                await make_pods(s, pods)
                after = rss()
                async with s.get(f"{PODS}/{pod(7)['metadata']['name']}") as r:
                    sample = await r.read()
        finally:
            await server.stop()
    return {"pods": pods, "rss_before_mib": round(before / 2**20, 1), "rss_after_mib": round(after / 2**20, 1),
            "rss_per_pod_kib": round((after - before) / pods / 1024, 2), "pod_json_bytes": len(sample)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=20000)
    parser.add_argument("--no-shared-strings", action="store_true")
    args = parser.parse_args()
    if args.no_shared_strings:
        import kube.apiserver.storage.object_store as object_store

        object_store.hold = lambda obj: obj  # type: ignore[assignment]
    print(json.dumps({**asyncio.run(run(args.pods)), "shared_strings": not args.no_shared_strings}))


if __name__ == "__main__":
    main()
