"""A UDP DNS load generator: each process keeps `window` queries for one name in flight
(send one whenever one is answered, as dnsperf's `-q`), counts the answers that carry a
record, and times a sample of them. Plain blocking sockets: the generator must cost less
than the server it measures."""

from __future__ import annotations

import multiprocessing
import socket
import struct
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    answered: int
    failed: int  # replies without an answer record, or not NOERROR
    lost: int  # windows re-sent after a silence
    seconds: float
    latencies: list[float]


def query_bytes(name: str, ident: int) -> bytes:
    labels = b"".join(bytes((len(p),)) + p.encode() for p in name.strip(".").split("."))
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + labels + b"\0\0\1\0\1"


def _one_process(host: str, port: int, name: str, seconds: float, window: int, out: multiprocessing.Queue) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((host, port))
    sock.settimeout(0.5)
    queries = [query_bytes(name, i) for i in range(65536)]
    sent_at = [0.0] * 65536
    answered = failed = lost = 0
    latencies: list[float] = []
    ident = 0
    clock = time.perf_counter
    for _ in range(window):
        sent_at[ident] = clock()
        sock.send(queries[ident])
        ident = (ident + 1) & 0xFFFF
    start = clock()
    end = start + seconds
    while True:
        try:
            reply = sock.recv(4096)
        except TimeoutError:
            lost += 1
            reply = b""
            for _ in range(window):  # the window was lost (a full socket buffer): fill it again
                sent_at[ident] = clock()
                sock.send(queries[ident])
                ident = (ident + 1) & 0xFFFF
        now = clock()
        if now >= end:
            break
        if len(reply) >= 12:
            if reply[3] & 0x0F == 0 and reply[7]:
                answered += 1
                if answered & 0xFF == 0:
                    latencies.append(now - sent_at[struct.unpack_from("!H", reply)[0]])
            else:
                failed += 1
            sent_at[ident] = now
            sock.send(queries[ident])
            ident = (ident + 1) & 0xFFFF
    out.put(LoadResult(answered, failed, lost, clock() - start, latencies))


def run_load(host: str, port: int, name: str, *, seconds: float, processes: int, window: int) -> LoadResult:
    """The summed result of `processes` generators run side by side for `seconds`."""
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()
    workers = [ctx.Process(target=_one_process, args=(host, port, name, seconds, window, out), daemon=True)
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=seconds + 60) for _ in workers]
    for worker in workers:
        worker.join(10)
    return LoadResult(sum(r.answered for r in results), sum(r.failed for r in results),
                      sum(r.lost for r in results), max(r.seconds for r in results),
                      [x for r in results for x in r.latencies])
