"""Jobs and CronJobs on a `kube up --runtime docker` cluster (real busybox containers): the
official Python client's BatchV1Api CRUD, `kubectl wait` and `kubectl logs job/x` reading what
an Indexed Job's pods wrote with their JOB_COMPLETION_INDEX, a failing Job giving up, Kubernetes'
422 for a bad schedule, and a `*/1 * * * *` CronJob making its Job in real time (within 70 s;
it is created first so the wait overlaps the other tests)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.rest import ApiException

from kube.local.container_cleanup import remove_cluster_containers
from tests.conftest import free_port
from tests.fixtures.requirements import require_docker
from tests.local.local_cluster import LocalCluster, free_port_run, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.docker]
IMAGE = "kube.local/busybox:1"


def pod_template(script: str) -> dict[str, Any]:
    return {"spec": {"restartPolicy": "Never", "containers": [
        {"name": "main", "image": IMAGE, "command": ["sh", "-c", script]}]}}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    require_docker()
    base = tmp_path_factory.mktemp("jobs-docker")
    c = LocalCluster(base / "cluster", free_port(), base / "kubectl-cache")
    try:
        c.up("--runtime", "docker", "--nodes", "1", "--no-examples", "--name-prefix", f"j{uuid.uuid4().hex[:4]}",
             "--cluster-cidr", "10.249.0.0/18", kubelet_port=free_port_run(1))
        c.cron_started = time.monotonic()  # type: ignore[attr-defined]
        batch = k8s.BatchV1Api(k8s_config.new_client_from_config(str(c.kubeconfig)))
        batch.create_namespaced_cron_job("default", {
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
            "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"spec": {"template": pod_template("echo tick")}}}})
        yield c
    finally:
        c.down()
        remove_cluster_containers(str(c.root))


@pytest.fixture(scope="module")
def batch(cluster: LocalCluster) -> k8s.BatchV1Api:
    return k8s.BatchV1Api(k8s_config.new_client_from_config(str(cluster.kubeconfig)))


def condition(job: Any, kind: str) -> Any:
    return next((c for c in job.status.conditions or [] if c.type == kind and c.status == "True"), None)


def test_an_indexed_job_runs_its_indexes_and_kubectl_reads_their_logs(cluster: LocalCluster,
                                                                       batch: k8s.BatchV1Api) -> None:
    created = batch.create_namespaced_job("default", {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "idx"},
        "spec": {"completions": 3, "parallelism": 2, "completionMode": "Indexed",
                 "template": pod_template("echo index $JOB_COMPLETION_INDEX of $(hostname)")}})
    uid = created.metadata.uid
    assert created.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": uid}
    out = cluster.kubectl("wait", "--for=condition=complete", "job/idx", "--timeout=120s", timeout=150).stdout
    assert "job.batch/idx condition met" in out
    job = batch.read_namespaced_job_status("idx", "default")
    assert job.status.succeeded == 3 and job.status.completed_indexes == "0-2" and job.status.completion_time
    one = cluster.kubectl("logs", "job/idx").stdout.strip()
    assert one in {f"index {i} of idx-{i}" for i in range(3)}, one
    every = cluster.kubectl("logs", "-l", "batch.kubernetes.io/job-name=idx").stdout.split("\n")
    assert sorted(line for line in every if line) == [f"index {i} of idx-{i}" for i in range(3)]
    described = cluster.kubectl("describe", "job", "idx").stdout
    assert "Completed Indexes:  0-2" in described and "SuccessfulCreate" in described
    labelled = batch.patch_namespaced_job("idx", "default", {"metadata": {"labels": {"team": "a"}}})
    assert labelled.metadata.labels["team"] == "a"
    assert [j.metadata.name for j in batch.list_namespaced_job("default", label_selector="team=a").items] == ["idx"]
    batch.delete_namespaced_job("idx", "default", propagation_policy="Background")
    wait_for("the Job's pods gone", lambda: not cluster.get_json(
        "pods", "-l", "batch.kubernetes.io/job-name=idx")["items"], 60)


def test_a_failing_job_gives_up_after_its_backoff_limit(cluster: LocalCluster, batch: k8s.BatchV1Api) -> None:
    batch.create_namespaced_job("default", {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "doomed"},
        "spec": {"backoffLimit": 0, "template": pod_template("echo trying; exit 3")}})
    cluster.kubectl("wait", "--for=condition=failed", "job/doomed", "--timeout=120s", timeout=150)
    job = batch.read_namespaced_job_status("doomed", "default")
    failed = condition(job, "Failed")
    assert failed.reason == "BackoffLimitExceeded" and failed.message == "Job has reached the specified backoff limit"
    assert job.status.failed == 1 and not job.status.succeeded
    pods = cluster.get_json("pods", "-l", "batch.kubernetes.io/job-name=doomed")["items"]
    assert [p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] for p in pods] == [3]
    assert "trying" in cluster.kubectl("logs", "job/doomed").stdout


def test_bad_batch_input_is_a_422_naming_the_field(batch: k8s.BatchV1Api) -> None:
    with pytest.raises(ApiException) as caught:
        batch.create_namespaced_cron_job("default", {
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "bad"},
            "spec": {"schedule": "every minute", "timeZone": "Atlantis/Capital",
                     "jobTemplate": {"spec": {"template": pod_template("true")}}}})
    assert caught.value.status == 422
    assert "spec.schedule" in caught.value.body and "spec.timeZone" in caught.value.body
    with pytest.raises(ApiException) as caught:
        batch.create_namespaced_job("default", {
            "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "bad"},
            "spec": {"completions": -1, "parallelism": 2**31, "template": pod_template("true")}})
    assert caught.value.status == 422
    assert "spec.completions" in caught.value.body and "spec.parallelism" in caught.value.body


def test_the_cronjob_made_its_job_within_70_seconds(cluster: LocalCluster, batch: k8s.BatchV1Api) -> None:
    created = batch.read_namespaced_cron_job("tick", "default")
    assert created.spec.concurrency_policy == "Allow" and created.spec.successful_jobs_history_limit == 3

    def its_job() -> Any:
        jobs = [j for j in batch.list_namespaced_job("default").items
                if any(r.name == "tick" for r in j.metadata.owner_references or [])]
        return jobs[0] if jobs else None

    job = wait_for("the CronJob's first Job", its_job, 75)
    assert time.monotonic() - cluster.cron_started < 75  # type: ignore[attr-defined]
    assert job.metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"].endswith(":00Z")
    assert abs(int(job.metadata.name.rsplit("-", 1)[1]) * 60 - time.time()) < 90
    wait_for("the CronJob's status", lambda: batch.read_namespaced_cron_job("tick", "default").status
             .last_schedule_time is not None, 30)
    patched = batch.patch_namespaced_cron_job("tick", "default", {"spec": {"suspend": True}})
    assert patched.spec.suspend is True
    table = cluster.kubectl("get", "cronjob", "tick").stdout
    assert "*/1 * * * *" in table and " true " in table
    batch.delete_namespaced_cron_job("tick", "default", propagation_policy="Background")
    wait_for("the CronJob's Jobs gone", lambda: its_job() is None, 60)
