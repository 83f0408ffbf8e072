"""Jobs and CronJobs on a `kube up` cluster with simulated minions: the official Python client's
BatchV1Api CRUD, `kubectl wait` and `kubectl logs job/x` through the Job's selector, Kubernetes' 422 for a bad
schedule, and a `*/1 * * * *` CronJob making its Job in real time (within 70 s)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.rest import ApiException

from tests.conftest import free_port
from tests.local.local_cluster import LocalCluster, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    base = tmp_path_factory.mktemp("up-jobs")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    c.up("--runtime", "simulated")
    try:
        yield c
    finally:
        if c.running_components():
            c.down()


@pytest.fixture(scope="module")
def batch(cluster: LocalCluster) -> k8s.BatchV1Api:
    return k8s.BatchV1Api(k8s_config.new_client_from_config(str(cluster.kubeconfig)))


def pod_template(script: str) -> dict[str, Any]:
    return {"spec": {"restartPolicy": "Never", "containers": [
        {"name": "main", "image": "kube.local/busybox:1", "command": ["sh", "-c", script]}]}}


def condition(job: Any, kind: str) -> bool:
    return any(c.type == kind and c.status == "True" for c in (job.status.conditions or []))


def test_cronjob_makes_its_job_within_70_seconds(cluster: LocalCluster, batch: k8s.BatchV1Api) -> None:
    started = time.monotonic()
    body = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
            "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"spec": {"template": pod_template("echo tick")}}}}
    created = batch.create_namespaced_cron_job("default", body)
    assert created.spec.concurrency_policy == "Allow" and created.spec.successful_jobs_history_limit == 3
    assert [c.metadata.name for c in batch.list_namespaced_cron_job("default").items] == ["tick"]

    def its_job() -> Any:
        jobs = [j for j in batch.list_namespaced_job("default").items
                if any(r.name == "tick" for r in j.metadata.owner_references or [])]
        return jobs[0] if jobs else None

    job = wait_for("the CronJob's first Job", its_job, 75)
    assert time.monotonic() - started < 75
    minutes = int(job.metadata.name.rsplit("-", 1)[1])
    assert abs(minutes * 60 - time.time()) < 90
    assert job.metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"].endswith(":00Z")
    wait_for("the CronJob's status", lambda: batch.read_namespaced_cron_job("tick", "default").status
             .last_schedule_time is not None, 30)
    patched = batch.patch_namespaced_cron_job("tick", "default", {"spec": {"suspend": True}})
    assert patched.spec.suspend is True
    table = cluster.kubectl("get", "cronjob", "tick").stdout
    assert "*/1 * * * *" in table and " true " in table
    batch.delete_namespaced_cron_job("tick", "default", propagation_policy="Background")
    wait_for("the CronJob's Jobs gone", lambda: its_job() is None, 60)


def test_job_crud_wait_and_logs(cluster: LocalCluster, batch: k8s.BatchV1Api) -> None:
    body = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "hello"},
            "spec": {"completions": 2, "parallelism": 2, "template": pod_template("echo hello from a job; sleep 1")}}
    created = batch.create_namespaced_job("default", body)
    uid = created.metadata.uid
    assert created.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": uid}
    assert created.spec.backoff_limit == 6 and created.spec.completion_mode == "NonIndexed"
    out = cluster.kubectl("wait", "--for=condition=complete", "job/hello", "--timeout=90s", timeout=120).stdout
    assert "job.batch/hello condition met" in out
    job = batch.read_namespaced_job_status("hello", "default")
    assert job.status.succeeded == 2 and condition(job, "Complete") and job.status.completion_time
    # kubectl resolves job/x through the Job's selector to one of its pods, then asks pods/log; the
    # simulated fleet of `kube up` runs no log server, so the API server answers Kubernetes' 400 for it
    logs = cluster.kubectl("logs", "job/hello", check=False)
    pods = {p["metadata"]["name"] for p in cluster.get_json("pods", "-l", f"controller-uid={uid}")["items"]}
    assert len(pods) == 2 and any(f"Found 2 pods, using pod/{name}" in logs.stderr for name in pods), logs.stderr
    assert "serves no container logs" in logs.stderr
    described = cluster.kubectl("describe", "job", "hello").stdout
    assert "Completions:      2" in described and "0 Active (0 Ready) / 2 Succeeded / 0 Failed" in described
    assert "SuccessfulCreate" in described and "Completed" in described
    labelled = batch.patch_namespaced_job("hello", "default", {"metadata": {"labels": {"team": "a"}}})
    assert labelled.metadata.labels["team"] == "a"
    assert "hello" in [j.metadata.name for j in batch.list_namespaced_job("default", label_selector="team=a").items]
    batch.delete_namespaced_job("hello", "default", propagation_policy="Background")
    wait_for("the Job's pods gone", lambda: not cluster.get_json(
        "pods", "-l", "batch.kubernetes.io/job-name=hello")["items"], 60)


def test_bad_batch_input_is_a_422_naming_the_field(batch: k8s.BatchV1Api) -> None:
    body = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "bad"},
            "spec": {"schedule": "every minute", "timeZone": "Atlantis/Capital",
                     "jobTemplate": {"spec": {"template": pod_template("true")}}}}
    with pytest.raises(ApiException) as caught:
        batch.create_namespaced_cron_job("default", body)
    assert caught.value.status == 422
    assert "spec.schedule" in caught.value.body and "spec.timeZone" in caught.value.body
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "bad"},
           "spec": {"completions": -1, "parallelism": 2**31, "template": pod_template("true")}}
    with pytest.raises(ApiException) as caught:
        batch.create_namespaced_job("default", job)
    assert caught.value.status == 422
    assert "spec.completions" in caught.value.body and "spec.parallelism" in caught.value.body
