"""The ttl-after-finished controller: a finished Job with `ttlSecondsAfterFinished` is deleted
(propagation Background, so the garbage collector takes its pods) once that many seconds
have passed since it finished. `expiry` is pure; the loop wakes each Job at its time.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta

from kube.api.meta import Obj
from kube.controllers.actions import Delete
from kube.controllers.context import Context
from kube.controllers.events import NORMAL, note
from kube.controllers.job.conditions import COMPLETE, FAILED, find, finished
from kube.controllers.job.kinds import JOB
from kube.controllers.loop import ControllerLoop, obj_key
from kube.controllers.pod_state import parse_time


def expiry(job: Obj) -> datetime | None:
    """When a finished Job with a TTL may be deleted; None when it never expires (yet)."""
    ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
    outcome = finished(job)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or outcome is None:
        return None
    if (job.get("metadata") or {}).get("deletionTimestamp"):
        return None
    cond = find(job, COMPLETE if outcome == COMPLETE else FAILED) or {}
    done = parse_time((job.get("status") or {}).get("completionTime")) if outcome == COMPLETE else None
    done = done or parse_time(cond.get("lastTransitionTime"))
    if done is None:
        return None
    return done + timedelta(seconds=ttl)


def ttl_action(job: Obj, now: datetime) -> tuple[Delete | None, float | None]:
    """The deletion due now, or how long until it is."""
    at = expiry(job)
    if at is None:
        return None, None
    left = (at - now).total_seconds()
    if left > 0:
        return None, left + 0.05
    meta = job.get("metadata") or {}
    return Delete(JOB, str(meta.get("namespace", "")), str(meta.get("name", "")), str(meta.get("uid", "")),
                  propagation="Background",
                  note=note(job, NORMAL, "Deleted", "Job deleted: ttlSecondsAfterFinished passed")), None


class TTLAfterFinishedController(ControllerLoop):
    name = "ttl-after-finished"

    def setup(self) -> None:
        self.jobs = self.ctx.factory.informer_for(JOB)
        self.jobs.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)),
                              lambda _o: None)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, 5)

    async def sync(self, key: Hashable) -> float | None:
        job = self.jobs.store.get(str(key))
        if job is None:
            return None
        action, wait = ttl_action(job, self.ctx.now())
        if action is not None:
            await self.ctx.executor.run([action], f"ttl-after-finished {key}",
                                        recorder=self.ctx.recorder("ttl-after-finished-controller"))
        return wait
