"""The load generator of `kube bench api`: asyncio + uvloop + aiohttp over HTTPS with the
admin client certificate, run in separate processes so the generator is not what limits
the figure on a small machine.

Each phase runs in P processes at once; a barrier starts them together and each
reports (started, finished, done, errors) in wall-clock time, so the phase's rate is
total operations over the span from the first start to the last finish.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import ssl
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import uvloop

CONFIGMAPS = "/api/v1/namespaces/{ns}/configmaps"


@dataclass(frozen=True)
class Target:
    """Where the server is and how to authenticate (picklable: crosses process boundaries)."""

    url: str
    ca_file: str
    cert_file: str
    key_file: str


@dataclass(frozen=True)
class WorkerResult:
    started: float
    finished: float
    done: int
    errors: int
    samples: tuple[float, ...] = ()  # per-operation seconds, when the phase keeps them
    first_error: str = ""


def session(target: Target, connections: int) -> aiohttp.ClientSession:
    ctx = ssl.create_default_context(cafile=target.ca_file)
    ctx.load_cert_chain(target.cert_file, target.key_file)
    return aiohttp.ClientSession(base_url=target.url, connector=aiohttp.TCPConnector(ssl=ctx, limit=connections),
                                 timeout=aiohttp.ClientTimeout(total=120))


def configmap(name: str, payload: str = "x" * 64) -> bytes:
    return orjson.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
                         "data": {"payload": payload}})


async def _run_jobs(jobs: list[Any], concurrency: int, do: Any) -> tuple[int, int, str]:
    """Run do(job) for every job with at most `concurrency` in flight; (done, errors, first error)."""
    done = errors = 0
    first_error = ""
    it = iter(jobs)

    async def lane() -> None:
        nonlocal done, errors, first_error
        for job in it:
            ok, detail = await do(job)
            if ok:
                done += 1
            else:
                errors += 1
                first_error = first_error or detail

    await asyncio.gather(*(lane() for _ in range(max(1, concurrency))))
    return done, errors, first_error


async def create_configmaps(target: Target, namespace: str, names: list[str], concurrency: int,
                            ready: Any = None) -> WorkerResult:
    path = CONFIGMAPS.format(ns=namespace)
    headers = {"Content-Type": "application/json"}
    async with session(target, concurrency) as s:
        await _warm(s, concurrency)
        if ready is not None:
            ready()

        async def do(name: str) -> tuple[bool, str]:
            async with s.post(path, data=configmap(name), headers=headers) as resp:
                body = await resp.read()
                return resp.status == 201, f"{resp.status} {body[:200]!r}"

        started = time.time()
        done, errors, first = await _run_jobs(names, concurrency, do)
        return WorkerResult(started, time.time(), done, errors, first_error=first)


async def get_configmaps(target: Target, namespace: str, names: list[str], count: int, concurrency: int,
                         ready: Any = None, seed: int = 0) -> WorkerResult:
    path = CONFIGMAPS.format(ns=namespace) + "/"
    rng = random.Random(seed)
    jobs = [rng.choice(names) for _ in range(count)]
    async with session(target, concurrency) as s:
        await _warm(s, concurrency)
        if ready is not None:
            ready()

        async def do(name: str) -> tuple[bool, str]:
            async with s.get(path + name) as resp:
                await resp.read()
                return resp.status == 200, str(resp.status)

        started = time.time()
        done, errors, first = await _run_jobs(jobs, concurrency, do)
        return WorkerResult(started, time.time(), done, errors, first_error=first)


async def list_configmaps(target: Target, namespace: str, rounds: int, expect: int,
                          ready: Any = None) -> WorkerResult:
    """Sequential full lists (kubectl's first page size is 500; we ask for everything)."""
    samples: list[float] = []
    errors = 0
    async with session(target, 1) as s:
        await _warm(s, 1)
        if ready is not None:
            ready()
        started = time.time()
        for _ in range(rounds):
            t0 = time.perf_counter()
            async with s.get(CONFIGMAPS.format(ns=namespace)) as resp:
                body = orjson.loads(await resp.read())
            samples.append(time.perf_counter() - t0)
            if resp.status != 200 or len(body.get("items") or []) != expect:
                errors += 1
        return WorkerResult(started, time.time(), rounds - errors, errors, tuple(samples))


async def watch_configmaps(target: Target, namespace: str, watchers: int, events: int, resource_version: str,
                           ready: Any = None) -> WorkerResult:
    """Open `watchers` watches, signal ready, and return when each has seen `events` ADDED events;
    `finished` is the wall-clock time the last watcher got its last event."""
    path = f"{CONFIGMAPS.format(ns=namespace)}?watch=true&resourceVersion={resource_version}"
    last_seen: list[float] = []
    opened = asyncio.Event()
    open_count = 0
    errors = 0

    async def one(s: aiohttp.ClientSession) -> None:
        nonlocal open_count, errors
        seen = 0
        async with s.get(path, timeout=aiohttp.ClientTimeout(total=None, sock_read=120)) as resp:
            open_count += 1
            if open_count == watchers:
                opened.set()
            if resp.status != 200:
                errors += 1
                return
            async for line in resp.content:
                if b'"ADDED"' in line[:20]:
                    seen += 1
                    if seen >= events:
                        last_seen.append(time.time())
                        return

    async with session(target, watchers) as s:
        tasks = [asyncio.ensure_future(one(s)) for _ in range(watchers)]
        await asyncio.wait_for(opened.wait(), 60)
        if ready is not None:
            ready()
        started = time.time()
        await asyncio.gather(*tasks)
    return WorkerResult(started, max(last_seen) if last_seen else time.time(), len(last_seen) * events, errors)


async def _warm(s: aiohttp.ClientSession, connections: int) -> None:
    """Open the connections (TLS handshakes) before the clock starts."""
    async def hit() -> None:
        async with s.get("/version") as resp:
            await resp.read()

    await asyncio.gather(*(hit() for _ in range(connections)))


# ---- processes ------------------------------------------------------------------------------


def _child(func_name: str, kwargs: dict[str, Any], barrier: Any, results: Any) -> None:
    func = globals()[func_name]
    try:
        result = uvloop.run(func(**kwargs, ready=barrier.wait))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        barrier.abort()
        result = WorkerResult(0.0, 0.0, 0, 1, first_error=f"{type(exc).__name__}: {exc}")
    results.put(result)


def run_in_processes(func_name: str, per_process: list[dict[str, Any]], on_ready: Any = None,
                     timeout: float = 600.0) -> list[WorkerResult]:
    """Run one phase function in len(per_process) processes, started together by a barrier.

    on_ready (optional) runs in this process once every worker is ready (watch phase: the writer)."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(per_process) + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(func_name, kwargs, barrier, results), daemon=True)
             for kwargs in per_process]
    for proc in procs:
        proc.start()
    try:
        barrier.wait(timeout=120)
        if on_ready is not None:
            on_ready()
        out = [results.get(timeout=timeout) for _ in procs]
    except Exception:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
        raise
    for proc in procs:
        proc.join(10)
    return out


def split(total: int, parts: int) -> list[int]:
    """total spread over parts as evenly as possible (sums to total)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]
