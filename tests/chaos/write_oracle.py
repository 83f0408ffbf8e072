"""The write oracle: a bounded background load of ConfigMap creates and updates from the
official client, and a ResumingWatch that must see each acknowledged write exactly once.

Acknowledged means the API server answered the create or update with the object, and so
with the resourceVersion the write got. Every such resourceVersion must arrive as exactly
one watch event (ADDED for a create, MODIFIED for an update) on a watch that resumes from
its last resourceVersion across every restart; the events' resourceVersions must rise
strictly (nothing replayed, nothing reordered). A write that failed in flight (the server
died before answering) may or may not have happened: its event, if any, is counted as
`unacknowledged_seen` and is neither required nor an error. A relist after a 410 Gone would
make events unobservable; the items it lists are recorded and a write whose object is listed
at that resourceVersion or later is counted as `covered_by_relist`, not lost (the chaos tests
also require zero 410s, so in practice every write is checked as an event).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client

from tests.chaos.official_client import TIMEOUT, Servers, transient
from tests.chaos.resuming_watch import ResumingWatch

CREATE_SHARE = 0.3  # of the writes; the rest update an object already created


@dataclass(frozen=True)
class Ack:
    name: str
    resource_version: int
    operation: str  # "create" | "update"


class WriteLoad(threading.Thread):
    """About `rate` writes per second to ConfigMaps in `namespace` until stop()."""

    def __init__(self, servers: Servers, namespace: str, rate: float = 4.0) -> None:
        super().__init__(name="write-load", daemon=True)
        self.servers, self.namespace, self.rate = servers, namespace, rate
        self.acks: list[Ack] = []
        self.failed = 0  # writes that got no answer (or a 5xx): outcome unknown
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._random = random.Random(10)

    def acknowledged(self) -> list[Ack]:
        with self._lock:
            return list(self.acks)

    def run(self) -> None:
        created: list[str] = []
        attempt = 0
        try:
            while not self._halt.wait(1.0 / self.rate):
                attempt += 1
                if not created or self._random.random() < CREATE_SHARE:
                    name, operation = f"load-{attempt}", "create"
                    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data={"n": str(attempt)})

                    def write(s: Servers, body: Any = body) -> Any:
                        return s.core.create_namespaced_config_map(self.namespace, body, _request_timeout=TIMEOUT)
                else:
                    name, operation = self._random.choice(created), "update"

                    def write(s: Servers, name: str = name, n: int = attempt) -> Any:
                        return s.core.patch_namespaced_config_map(
                            name, self.namespace, {"data": {"n": str(n)}}, _request_timeout=TIMEOUT)
                try:
                    answer = write(self.servers)
                except Exception as error:
                    if not transient(error):
                        raise
                    self.failed += 1
                    self.servers.rotate()
                    continue
                if operation == "create":
                    created.append(name)
                with self._lock:
                    self.acks.append(Ack(name, int(answer.metadata.resource_version), operation))
        except BaseException as error:  # noqa: BLE001 - kept for the test to report
            self.error = error

    def stop(self) -> None:
        self._halt.set()
        self.join(30)


@dataclass
class Verdict:
    writes_acknowledged: int
    events_seen: int
    lost: list[Ack]
    duplicated: list[int]
    out_of_order: int
    unacknowledged_seen: int
    covered_by_relist: int
    wrong_type: list[Ack] = field(default_factory=list)

    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.out_of_order or self.wrong_type)

    def summary(self) -> str:
        return (f"{self.writes_acknowledged} acknowledged writes, {self.events_seen} events, "
                f"lost {len(self.lost)}, duplicated {len(self.duplicated)}, out of order {self.out_of_order}, "
                f"wrong type {len(self.wrong_type)}, unacknowledged seen {self.unacknowledged_seen}, "
                f"covered by relist {self.covered_by_relist}")


class WriteOracle:
    """The load and the watch together; check() compares what was acknowledged with what was seen."""

    def __init__(self, load_servers: Servers, watch_servers: Servers, namespace: str, rate: float = 4.0) -> None:
        self.load = WriteLoad(load_servers, namespace, rate)
        self.watch = ResumingWatch(watch_servers, "configmaps", namespace, self._seen, self._relisted)
        self.events: list[tuple[str, str, int]] = []  # (type, name, resourceVersion) in arrival order
        self.relisted: dict[str, int] = {}  # name -> the newest resourceVersion a relist showed
        self._lock = threading.Lock()

    def start(self) -> None:
        self.watch.start_from_list()
        self.load.start()

    def _seen(self, kind: str, obj: dict[str, Any]) -> None:
        with self._lock:
            self.events.append((kind, obj["metadata"]["name"], int(obj["metadata"]["resourceVersion"])))

    def _relisted(self, items: list[dict[str, Any]]) -> None:
        with self._lock:
            for item in items:
                self.relisted[item["metadata"]["name"]] = int(item["metadata"]["resourceVersion"])

    def verdict(self, upto: int | None = None) -> Verdict:
        """Judge the first `upto` acknowledged writes (all by default) against every event seen."""
        acks = self.load.acknowledged()[:upto]
        with self._lock:
            events = list(self.events)
            relisted = dict(self.relisted)
        counts = Counter(rv for _, _, rv in events)
        by_rv = {rv: (kind, name) for kind, name, rv in events}
        acked_rvs = {a.resource_version for a in acks}
        rvs = [rv for _, _, rv in events]
        lost, covered, wrong = [], 0, []
        for ack in acks:
            seen = by_rv.get(ack.resource_version)
            if seen is None:
                if relisted.get(ack.name, 0) >= ack.resource_version:
                    covered += 1
                else:
                    lost.append(ack)
            elif seen != ({"create": "ADDED", "update": "MODIFIED"}[ack.operation], ack.name):
                wrong.append(ack)
        return Verdict(
            writes_acknowledged=len(acks), events_seen=len(events), lost=lost,
            duplicated=sorted(rv for rv, n in counts.items() if n > 1),
            out_of_order=sum(1 for a, b in zip(rvs, rvs[1:], strict=False) if b <= a),
            unacknowledged_seen=sum(1 for rv in counts if rv not in acked_rvs),
            covered_by_relist=covered, wrong_type=wrong)

    def settle(self, timeout: float = 90.0) -> Verdict:
        """Wait until every write acknowledged so far is seen (or the deadline), then judge them."""
        deadline, upto = time.monotonic() + timeout, len(self.load.acknowledged())
        while True:
            self.raise_errors()
            verdict = self.verdict(upto)
            if not verdict.lost or time.monotonic() > deadline:
                return verdict
            time.sleep(0.25)

    def raise_errors(self) -> None:
        for thread in (self.load, self.watch):
            if thread.error is not None:
                raise AssertionError(f"{thread.name} died: {thread.error!r}") from thread.error
        assert self.watch.is_alive(), "the watch thread ended"

    def stop(self) -> None:
        self.load.stop()
        self.watch.stop()
