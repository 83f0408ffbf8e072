"""How long one full collection of the cyclic collector stops a process that holds `--pods`
decoded pods, as the watch cache and informers hold them (kube/api/held_objects.py), or with
`--engine none` as decoded and nothing more (strings interned only, as before untracking).

    .venv/bin/python -m tests.bench.held_cache_gc_bench --pods 150000
    .venv/bin/python -m tests.bench.held_cache_gc_bench --pods 150000 --engine none

One JSON line: tracked objects, seconds per full collection (three), seconds to hold each pod.
The figures go to docs/benchmarks.md ("5,000 nodes and 50,000 pods after two root-cause fixes").
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time

import orjson

from kube._fast import load

POD = orjson.dumps({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-abc", "namespace": "ns-1", "uid": "1234-5678", "resourceVersion": "123",
                 "creationTimestamp": "2026-12-07T10:00:00Z", "labels": {"app": "web", "pod-template-hash": "abc"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "x",
                                      "controller": True, "blockOwnerDeletion": True}],
                 "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
                                    "time": "2026-12-07T10:00:00Z", "fieldsType": "FieldsV1",
                                    "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}}]},
    "spec": {"containers": [{"name": "c", "image": "kube.local/pause:1",
                             "resources": {"requests": {"cpu": "10m", "memory": "10Mi"}},
                             "ports": [{"containerPort": 80, "protocol": "TCP"}],
                             "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets"}]}],
             "volumes": [{"name": "kube-api-access", "projected": {"sources": [
                 {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}}]}}],
             "nodeName": "node-1", "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                                    "effect": "NoExecute", "tolerationSeconds": 300}]},
    "status": {"phase": "Running", "podIP": "10.244.1.2", "podIPs": [{"ip": "10.244.1.2"}],
               "conditions": [{"type": t, "status": "True", "lastTransitionTime": "2026-12-07T10:00:00Z"}
                              for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
               "containerStatuses": [{"name": "c", "ready": True, "restartCount": 0,
                                      "state": {"running": {"startedAt": "2026-12-07T10:00:00Z"}}}]}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=50000)
    parser.add_argument("--engine", choices=["auto", "cython", "python", "none"], default="auto")
    args = parser.parse_args()
    if args.engine == "none":
        def interned(v):  # the strings shared, the containers left tracked (before held_json)
            if isinstance(v, dict):
                return {k: interned(x) for k, x in v.items()}
            if isinstance(v, list):
                return [interned(x) for x in v]
            return sys.intern(v) if isinstance(v, str) and len(v) <= 64 else v
        hold = interned
    else:
        hold = load("held_json", args.engine).hold
    gc.disable()
    pods = [orjson.loads(POD) for _ in range(args.pods)]
    t0 = time.perf_counter()
    cache = {i: hold(p) for i, p in enumerate(pods)}
    per_pod = (time.perf_counter() - t0) / args.pods
    del pods
    gc.enable()
    collections = []
    for _ in range(3):
        t = time.perf_counter()
        gc.collect(2)
        collections.append(round(time.perf_counter() - t, 4))
    print(json.dumps({"pods": len(cache), "engine": args.engine, "tracked_objects": len(gc.get_objects()),
                      "full_collection_seconds": collections, "hold_microseconds_per_pod": round(per_pod * 1e6, 2)}))


if __name__ == "__main__":
    main()
