"""What streaming a long list saves: an in-process API server (SQLite) holding `--items`
ConfigMaps of 1 KiB, listed whole (STREAM_AT raised past the list) and streamed (the
default), each way measured for
- the Python memory the server needs for the list's answer at its peak (tracemalloc, one
  list alone; the client drops each chunk as it reads it);
- the time one client's list takes, and a second client's gets while `--lists` lists run
  at once (p50/p99/max), which is what one reader's big lists cost everyone else.

    .venv/bin/python -m tests.bench.list_stream_bench --items 20000 --lists 8

One JSON line. The figures go to docs/benchmarks.md ("Streamed lists").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import aiohttp

from kube.apiserver.auth.pki import ensure_pki
from kube.apiserver.handlers import list_stream
from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, server_config

PATH = "/api/v1/namespaces/default/configmaps"


def session(server: APIServer, pki: Path) -> aiohttp.ClientSession:
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    return aiohttp.ClientSession(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                                 connector=aiohttp.TCPConnector(ssl=ctx, limit=64))


async def fill(s: aiohttp.ClientSession, items: int) -> None:
    async def worker(k: int) -> None:
        for i in range(k, items, 32):
            async with s.post(PATH, json={"metadata": {"name": f"cm-{i:06d}"}, "data": {"v": "x" * 1024}}) as r:
                assert r.status == 201, await r.text()
    await asyncio.gather(*(worker(k) for k in range(32)))


async def one_list(s: aiohttp.ClientSession) -> float:
    started = time.perf_counter()
    async with s.get(PATH) as resp:
        assert resp.status == 200
        async for _chunk in resp.content.iter_chunked(1 << 16):  # read and dropped: the server's memory is measured
            pass
    return time.perf_counter() - started


async def peak_bytes(s: aiohttp.ClientSession) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        await one_list(s)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


async def gets_during_lists(s: aiohttp.ClientSession, reader: aiohttp.ClientSession, lists: int) -> dict:
    flood = asyncio.gather(*(one_list(s) for _ in range(lists)))
    took: list[float] = []
    while not flood.done():
        started = time.perf_counter()
        async with reader.get(f"{PATH}/cm-000007") as resp:
            await resp.read()
        took.append(time.perf_counter() - started)
    list_times = await flood
    q = statistics.quantiles(took, n=100, method="inclusive") if len(took) > 1 else took * 99
    return {"gets": len(took), "get_p50_ms": round(q[49] * 1000, 1), "get_p99_ms": round(q[98] * 1000, 1),
            "get_max_ms": round(max(took) * 1000, 1), "lists_took_s": round(max(list_times), 2)}


async def run(items: int, lists: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        pki = Path(tmp) / "pki"
        ensure_pki(str(pki), ["127.0.0.1", "localhost"])
        (pki / "tokens.csv").write_text(f'{ADMIN_TOKEN},kube-admin,kube-admin,"system:masters"\n')
        server = APIServer(server_config(pki, Path(tmp)))
        await server.start()
        out: dict = {"items": items, "lists": lists}
        try:
            async with session(server, pki) as s, session(server, pki) as reader:
                await fill(s, items)
                await one_list(s)  # warm
                default = list_stream.STREAM_AT
                for mode, stream_at in (("whole", items + 1), ("streamed", default)):
                    list_stream.STREAM_AT = stream_at
                    out[mode] = {"peak_mib": round(await peak_bytes(s) / 2**20, 1),
                                 "one_list_s": round(min([await one_list(s) for _ in range(3)]), 3),
                                 **await gets_during_lists(s, reader, lists)}
                list_stream.STREAM_AT = default
        finally:
            await server.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--lists", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.items, args.lists))))


if __name__ == "__main__":
    main()
