"""API Priority and Fairness under a flood: `kube apiserver` (a child process, SQLite) with
1,000 ConfigMaps of 1 KiB; a flooder sends 1,000 lists of them at once from a process of its
own, while carol (a reader: global-default, flow "carol") gets one ConfigMap after another
from this process until the flood is over. Reported: carol's get p50/p99/max, her 429s and
her gets over 100 ms (seconds into the flood, milliseconds), the same without the flood, the
flooder's answers by status and how long the flood took. Three runs: bob (another reader:
carol's level, another flow) with one seat for global-default (--max-requests-inflight 10
--max-mutating-requests-inflight 0); a node's credentials (level "system", 2 seats) with the
same flags, the issue's case; the node again with the default flags (400 + 200).

    .venv/bin/pytest tests/bench/test_apf_bench.py -m slow -s

The figures go to docs/benchmarks.md ("API Priority and Fairness").
"""

from __future__ import annotations

import asyncio
import json
import math
import ssl
import statistics
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kube.bench.api_server_process import ApiServerProcess
from kube.bench.density_metrics import parse_histograms

pytestmark = pytest.mark.slow
TOKENS = {"admin": ("admin-token-0123456789", "system:masters"), "bob": ("bob-token-0123456789", "system:read-only"),
          "carol": ("carol-token-0123456789", "system:read-only"),
          "system:node:n1": ("node1-token-0123456789", "system:nodes")}
SMALL = ["--max-requests-inflight", "10", "--max-mutating-requests-inflight", "0"]
OBJECTS = 1000
FLOOD = 1000
QUIET_GETS = 300
ROOT = Path(__file__).parents[2]


def session(server: ApiServerProcess, who: str) -> aiohttp.ClientSession:
    ctx = ssl.create_default_context(cafile=server.pki.ca_cert)
    return aiohttp.ClientSession(base_url=server.url, headers={"Authorization": f"Bearer {TOKENS[who][0]}"},
                                 connector=aiohttp.TCPConnector(ssl=ctx, limit=100))


def quantile(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[round(q * 100) - 1] if len(xs) > 1 else xs[0]


async def gets(s: aiohttp.ClientSession, until: asyncio.Future[object] | int,
               slow: list[tuple[float, float]] | None = None) -> tuple[list[float], list[int]]:
    """Sequential gets; each one over 100 ms also noted in `slow` as (when it started, seconds)."""
    took, codes = [], []
    while (not until.done()) if isinstance(until, asyncio.Future) else len(took) < until:
        started = time.perf_counter()
        async with s.get("/api/v1/namespaces/default/configmaps/cm-7") as resp:
            await resp.read()
        took.append(time.perf_counter() - started)
        codes.append(resp.status)
        if slow is not None and took[-1] > 0.1:
            slow.append((started, took[-1]))
    return took, codes


def server_side(text: str) -> dict[str, object]:
    """What the server saw of the gets (their time from dispatch to answer, APF's queue
    included) and of global-default's queue waits (carol's alone when the flooder is a node)."""
    gets = parse_histograms(text)[("get", "configmaps")]
    waits: dict[float, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "apiserver_flowcontrol_request_wait_duration_seconds_bucket" \
                    and labels.get("priority_level") == "global-default" and labels.get("execute") == "true":
                waits[float(labels["le"])] = sample.value
    return {"server_gets": gets[math.inf], "server_gets_over_100ms": gets[math.inf] - gets[0.1],
            "global_default_waits": waits.get(math.inf, 0.0),
            "global_default_waits_over_100ms": waits.get(math.inf, 0.0) - waits.get(0.1, 0.0)}


async def scenario(server: ApiServerProcess, flooder: str) -> dict[str, object]:
    async with session(server, "admin") as admin:
        for start in range(0, OBJECTS, 100):
            answers = await asyncio.gather(*(admin.post("/api/v1/namespaces/default/configmaps", json={
                "metadata": {"name": f"cm-{i}"}, "data": {"p": "x" * 1024}}) for i in range(start, start + 100)))
            assert {r.status for r in answers} == {201}
            for r in answers:
                r.release()
    async with session(server, "carol") as carol:
        quiet, _ = await gets(carol, QUIET_GETS)
        started, origin = time.monotonic(), time.perf_counter()
        flood = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.apiserver.flowcontrol.flood", server.url, server.pki.ca_cert,
            TOKENS[flooder][0], "/api/v1/namespaces/default/configmaps", str(FLOOD), stdout=asyncio.subprocess.PIPE,
            cwd=ROOT)
        await asyncio.sleep(1.0)  # bob's connections open and his lists queue
        done = asyncio.ensure_future(flood.communicate())
        slow: list[tuple[float, float]] = []
        took, codes = await gets(carol, done, slow)
        out, _ = await done
        flood_seconds = time.monotonic() - started
    async with session(server, "admin") as admin, admin.get("/metrics") as resp:
        served = server_side(await resp.text())
    return {"carol_quiet_p50_ms": round(quantile(quiet, 0.5) * 1e3, 1),
            "carol_quiet_p99_ms": round(quantile(quiet, 0.99) * 1e3, 1),
            "carol_gets": len(took), "carol_p50_ms": round(quantile(took, 0.5) * 1e3, 1),
            "carol_p99_ms": round(quantile(took, 0.99) * 1e3, 1), "carol_max_ms": round(max(took) * 1e3, 1),
            "carol_429": codes.count(429), "carol_non_200": sum(c != 200 for c in codes),
            "carol_over_100ms": [(round(at - origin, 1), round(sec * 1e3)) for at, sec in slow],
            "flooder": json.loads(out), "flood_seconds": round(flood_seconds, 1), **served}


@pytest.mark.parametrize(("flooder", "flags"), [("bob", SMALL), ("system:node:n1", SMALL), ("system:node:n1", [])],
                         ids=["same-level-one-seat", "node-flood-small", "node-flood-defaults"])
def test_flood_of_slow_lists_against_another_flows_gets(tmp_path: Path, flooder: str, flags: list[str]) -> None:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("".join(f'{tok},{name},{name},"{group}"\n' for name, (tok, group) in TOKENS.items()))
    server = ApiServerProcess(tmp_path, ["--store", f"sqlite:{tmp_path / 'state.db'}"], token_file=tokens,
                              extra_args=flags)
    server.start()
    try:
        got = asyncio.run(scenario(server, flooder))
    finally:
        server.stop()
    print(f"\nAPF flood by {flooder}, {' '.join(flags) or 'default flags'}: {json.dumps(got)}")
    assert got["carol_429"] == 0 and got["carol_non_200"] == 0
    assert set(got["flooder"]) <= {"200", "429"}  # type: ignore[arg-type]
