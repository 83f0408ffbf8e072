"""Jobs against a real API server, the real scheduler and simulated nodes whose containers
end as their `sh -c` script says: completions at a parallelism, Indexed, a back-off limit,
ttlSecondsAfterFinished, `kubectl wait`, and the Job controller killed and restarted mid-Job."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from kube.client.rest import RestClient
from kube.controllers.job.kinds import JOB, POD
from kube.controllers.manager import ControllerManager
from tests.apiserver.conftest import eventually
from tests.controllers.real_cluster import FAST, Kubectl, real_cluster

OPTIONS = dataclasses.replace(FAST, job_backoff_base=0.2, job_backoff_cap=1.0)


def job(name: str, script: str, restart: str = "Never", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": "default"},
            "spec": {"template": {"spec": {"restartPolicy": restart, "containers": [
                {"name": "main", "image": "kube.local/busybox:1", "command": ["sh", "-c", script]}]}}, **spec}}


def condition(j: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in (j.get("status") or {}).get("conditions") or []
                 if c["type"] == kind and c["status"] == "True"), None)


async def pods_of(client: RestClient, name: str) -> list[dict[str, Any]]:
    return (await client.list(POD, "default", label_selector=f"batch.kubernetes.io/job-name={name}"))["items"]


async def finished(client: RestClient, name: str, kind: str, timeout: float = 60) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        j = await client.get(JOB, name, "default")
        return j if condition(j, kind) else None

    return await eventually(check, timeout=timeout, interval=0.2)


async def test_jobs_complete_fail_and_expire(client: RestClient, kubeconfig: Path, tmp_path: Path) -> None:
    kubectl = Kubectl(kubeconfig, tmp_path / "kubectl-cache")
    async with real_cluster(client, kubeconfig, tmp_path, {"node": 2}, OPTIONS):
        await client.create(JOB, job("five", "sleep 0.3; exit 0", completions=5, parallelism=2))
        await client.create(JOB, job("indexed", "sleep 0.2", completions=3, parallelism=3, completionMode="Indexed"))
        await client.create(JOB, job("doomed", "exit 2", backoffLimit=1))
        await client.create(JOB, job("brief", "true", ttlSecondsAfterFinished=1))
        await client.create(JOB, job("kept", "sleep 600"))
        out = await kubectl.ok("wait", "--for=condition=complete", "job/five", "--timeout=60s", timeout=90)
        assert "job.batch/five condition met" in out

        five = await finished(client, "five", "Complete")
        assert five["status"]["succeeded"] == 5 and five["status"].get("failed") is None
        assert five["status"]["uncountedTerminatedPods"] == {} and condition(five, "SuccessCriteriaMet")
        pods = await pods_of(client, "five")
        assert len(pods) == 5 and all(p["status"]["phase"] == "Succeeded" for p in pods)
        assert not any(p["metadata"].get("finalizers") for p in pods)

        indexed = await finished(client, "indexed", "Complete")
        assert indexed["status"]["completedIndexes"] == "0-2"
        hosts = sorted(p["spec"]["hostname"] for p in await pods_of(client, "indexed"))
        assert hosts == ["indexed-0", "indexed-1", "indexed-2"]

        doomed = await finished(client, "doomed", "Failed")
        failed = condition(doomed, "Failed")
        assert failed["reason"] == "BackoffLimitExceeded" and doomed["status"]["failed"] == 2
        assert len(await pods_of(client, "doomed")) == 2

        async def gone() -> bool:
            return not any(j["metadata"]["name"] == "brief" for j in (await client.list(JOB, "default"))["items"])

        await eventually(gone, timeout=30, interval=0.2)

        async def pods_gone() -> bool:
            return not await pods_of(client, "brief")

        await eventually(pods_gone, timeout=30, interval=0.2)  # background propagation, finalizers released
        async def kept_running() -> bool:
            return any((p.get("status") or {}).get("phase") == "Running" for p in await pods_of(client, "kept"))

        await eventually(kept_running, timeout=30, interval=0.2)
        await client.delete(JOB, "kept", "default", propagation_policy="Orphan")

        async def released() -> list[dict[str, Any]] | None:
            pods = await pods_of(client, "kept")
            free = all(not p["metadata"].get("finalizers") and not p["metadata"].get("ownerReferences") for p in pods)
            return pods if pods and free else None

        orphans = await eventually(released, timeout=30, interval=0.2)  # an orphan keeps running, untracked
        assert len(orphans) == 1 and orphans[0]["status"]["phase"] == "Running"
        table = await kubectl.ok("get", "jobs")
        assert "five" in table and "Complete" in table and "5/5" in table and "doomed" in table and "Failed" in table


async def test_a_restarted_job_controller_counts_each_completion_once(client: RestClient, kubeconfig: Path,
                                                                      tmp_path: Path) -> None:
    async with real_cluster(client, kubeconfig, tmp_path, {"node": 2}, OPTIONS) as cluster:
        await client.create(JOB, job("steady", "sleep 0.5", completions=12, parallelism=4))

        async def some_done() -> bool:
            j = await client.get(JOB, "steady", "default")
            s = j.get("status") or {}
            return s.get("succeeded", 0) + len((s.get("uncountedTerminatedPods") or {}).get("succeeded", [])) >= 3

        await eventually(some_done, timeout=60, interval=0.1)
        first = next(c for c in cluster.manager.controllers if c.name == "job")
        await first.stop()  # the old one is dead: no more syncs from it
        await asyncio.sleep(1.0)  # pods finish meanwhile, with nobody counting them
        second = ControllerManager(client, ["job"], OPTIONS)
        task = asyncio.get_running_loop().create_task(second.run())
        try:
            done = await finished(client, "steady", "Complete", timeout=90)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert done["status"]["succeeded"] == 12 and done["status"]["uncountedTerminatedPods"] == {}
        pods = await pods_of(client, "steady")
        assert len(pods) == 12  # not one pod more than completions: nothing counted twice or lost
        assert not any(p["metadata"].get("finalizers") for p in pods)
