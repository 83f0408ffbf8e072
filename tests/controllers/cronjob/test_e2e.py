"""The CronJob controller against a real API server and simulated nodes, on a clock the test
moves: a Job at the minute, Forbid skipping while it runs (with its Event), Replace, and
`kubectl create job --from=cronjob/x`."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kube.client.rest import RestClient
from kube.controllers.events import EVENT
from kube.controllers.job.kinds import CRONJOB, JOB
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import FAST, Kubectl, real_cluster


class Clock:
    """Real time plus an offset the test sets (the controllers read it through Context.now)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def to_second(self, second: int) -> datetime:
        """Move on to the next moment at `second` seconds past a minute; returns that minute."""
        now = self()
        target = now.replace(second=second, microsecond=0)
        if target <= now:
            target += timedelta(minutes=1)
        self.offset += (target - now).total_seconds()
        return target.replace(second=0)


def cron_job(name: str, script: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name, "namespace": "default"},
            "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": "main", "image": "kube.local/busybox:1",
                                                          "command": ["sh", "-c", script]}]}}}}, **spec}}


async def jobs_of(client: RestClient, cronjob: str) -> list[dict[str, Any]]:
    return [j for j in (await client.list(JOB, "default"))["items"]
            if any(r.get("name") == cronjob for r in j["metadata"].get("ownerReferences") or [])]


async def touch(client: RestClient, name: str) -> None:
    """A change the informer sees, so the CronJob is synced now rather than at its requeue."""
    await client.patch(CRONJOB, name, {"metadata": {"annotations": {"test/touched": str(time.time())}}}, "default")


async def test_forbid_skips_while_its_job_runs_and_replace_replaces_it(client: RestClient, kubeconfig: Path,
                                                                       tmp_path: Path) -> None:
    clock = Clock()
    async with real_cluster(client, kubeconfig, tmp_path, {"node": 1}, dataclasses.replace(FAST)) as cluster:
        cluster.manager.ctx.now = clock
        created = datetime.now(UTC)
        await client.create(CRONJOB, cron_job("slow", "sleep 600", concurrencyPolicy="Forbid"))
        first_minute = clock.to_second(1)
        await touch(client, "slow")

        async def one_job() -> list[dict[str, Any]]:
            return await jobs_of(client, "slow")

        jobs = await eventually(one_job, timeout=30, interval=0.2)
        assert [j["metadata"]["name"] for j in jobs] == [f"slow-{int(first_minute.timestamp()) // 60}"]
        assert first_minute > created

        async def active() -> bool:
            status = (await client.get(CRONJOB, "slow", "default")).get("status") or {}
            return len(status.get("active") or []) == 1

        await eventually(active, timeout=30, interval=0.2)
        clock.to_second(1)  # the next minute, the first Job still running
        await touch(client, "slow")

        async def skipped() -> bool:
            events = (await client.list(EVENT, "default"))["items"]
            return any(e["reason"] == "JobAlreadyActive" and e["involvedObject"]["name"] == "slow" for e in events)

        await eventually(skipped, timeout=30, interval=0.2)
        assert len(await jobs_of(client, "slow")) == 1

        await client.patch(CRONJOB, "slow", {"spec": {"concurrencyPolicy": "Replace"}}, "default")
        third = clock.to_second(1)

        async def replaced() -> list[str] | None:
            names = sorted(j["metadata"]["name"] for j in await jobs_of(client, "slow")
                           if not j["metadata"].get("deletionTimestamp"))
            return names if names == [f"slow-{int(third.timestamp()) // 60}"] else None

        await touch(client, "slow")
        await eventually(replaced, timeout=30, interval=0.2)


async def test_kubectl_create_job_from_a_cronjob(client: RestClient, kubeconfig: Path, tmp_path: Path) -> None:
    kubectl = Kubectl(kubeconfig, tmp_path / "kubectl-cache")
    async with real_cluster(client, kubeconfig, tmp_path, {"node": 1}):
        await client.create(CRONJOB, cron_job("nightly", "echo hi", schedule="0 3 * * *"))
        out = await kubectl.ok("create", "job", "now", "--from=cronjob/nightly")
        assert "job.batch/now created" in out
        job = await client.get(JOB, "now", "default")
        assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
        assert job["metadata"]["ownerReferences"][0]["name"] == "nightly"

        async def complete() -> bool:
            j = await client.get(JOB, "now", "default")
            return any(c["type"] == "Complete" and c["status"] == "True"
                       for c in (j.get("status") or {}).get("conditions") or [])

        await eventually(complete, timeout=60, interval=0.2)
        table = await kubectl.ok("get", "cronjobs")
        assert "nightly" in table and "0 3 * * *" in table
