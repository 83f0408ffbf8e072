"""Pull time of an image from a loopback docker-registry: through the node agent's puller
(kube/node/image_puller.py: policy Always, presence check, single-flight, the Engine API's
/images/create with X-Registry-Auth, inspect for the size) against a plain `docker pull`
of the same image. Each round removes the image first, so every pull downloads and
unpacks its layer; the two kinds of pull alternate, so load on the machine hits both.

    .venv/bin/python -m tests.bench.image_pull_bench [--mib 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import docker

from kube.node.image_puller import ImagePuller
from kube.node.pull_credentials import Keyring
from tests.fixtures.registry import start_registry


def _image_tar(mib: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = os.urandom(mib * 1024 * 1024)  # incompressible: the registry serves every byte
        info = tarfile.TarInfo("payload")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _rmi(image: str) -> None:
    subprocess.run(["docker", "rmi", "-f", image], capture_output=True)


def run(mib: int = 50, rounds: int = 5) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        registry = start_registry(Path(tmp) / "registry")
        client = docker.from_env(timeout=300)
        local = f"kube-bench/pull-{os.getpid()}:1"
        try:
            subprocess.run(["docker", "import", "-", local], input=_image_tar(mib), check=True, capture_output=True)
            image = registry.push(local, f"bench/big-{os.getpid()}:1")
            _rmi(local)
            puller = ImagePuller(client, lambda *a: None)
            pod = {"metadata": {"uid": "bench"}}
            container = {"name": "c", "image": image, "imagePullPolicy": "Always"}
            plain: list[float] = []
            agent: list[float] = []
            for _ in range(rounds):
                _rmi(image)
                started = time.perf_counter()
                subprocess.run(["docker", "pull", "-q", image], check=True, capture_output=True)
                plain.append(time.perf_counter() - started)
                _rmi(image)
                started = time.perf_counter()
                problem = asyncio.run(puller.ensure(pod, container, Keyring()))
                agent.append(time.perf_counter() - started)
                assert problem is None, problem
            size = int(client.api.inspect_image(image)["Size"])
        finally:
            _rmi(image if "image" in locals() else local)
            _rmi(local)
            registry.stop()
            client.close()
    return {"mib": mib, "rounds": rounds, "image_bytes": size,
            "docker_pull_median_s": round(statistics.median(plain), 3),
            "agent_pull_median_s": round(statistics.median(agent), 3),
            "ratio": round(statistics.median(agent) / statistics.median(plain), 3),
            "docker_pull_s": [round(x, 3) for x in plain], "agent_pull_s": [round(x, 3) for x in agent]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(run(args.mib, args.rounds), indent=2))


if __name__ == "__main__":
    main()
