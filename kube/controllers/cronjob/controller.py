"""The CronJob controller's loop around `reconcile_cron_job`: each CronJob is synced when it
or one of its Jobs changes, and again at its next scheduled time (the clock is the
Context's, so tests can move it)."""

from __future__ import annotations

from collections.abc import Hashable

from kube.api.meta import Obj, join_key
from kube.controllers.context import Context
from kube.controllers.cronjob.reconcile import reconcile_cron_job
from kube.controllers.job.kinds import CRONJOB, JOB
from kube.controllers.loop import ControllerLoop, final_state, obj_key
from kube.controllers.ownership import controller_of

COMPONENT = "cronjob-controller"


class CronJobController(ControllerLoop):
    name = "cronjob"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, ctx.options.concurrent_cron_job_syncs)

    def setup(self) -> None:
        self.cronjobs = self.ctx.factory.informer_for(CRONJOB)
        self.jobs = self.ctx.factory.informer_for(JOB)
        self.cronjobs.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)),
                                  lambda _o: None)
        self.jobs.add_handler(self._job_changed, lambda _o, n: self._job_changed(n),
                              lambda o: self._job_changed(final_state(o)))

    def _job_changed(self, job: Obj) -> None:
        ref = controller_of(job)
        if ref is not None and ref.get("kind") == "CronJob":
            self.enqueue(join_key((job.get("metadata") or {}).get("namespace"), str(ref.get("name", ""))))

    async def sync(self, key: Hashable) -> float | None:
        cronjob = self.cronjobs.store.get(str(key))
        if cronjob is None:
            return None
        namespace = str((cronjob.get("metadata") or {}).get("namespace", ""))
        plan = reconcile_cron_job(cronjob, self.jobs.store.by_index("namespace", namespace), self.ctx.now())
        recorder = self.ctx.recorder(COMPONENT)
        await self.ctx.executor.run(plan.actions, f"cronjob {key}", recorder=recorder)
        for n in plan.notes:
            recorder.record(n)
        return plan.requeue_after
