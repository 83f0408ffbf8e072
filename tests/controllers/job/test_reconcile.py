"""Job reconcile: parallelism, completions, counting once, back-off, limits, deadline, suspend."""

from __future__ import annotations

from kube.controllers.job.pods import INDEX_ENV, INDEX_KEY, TRACKING_FINALIZER
from kube.controllers.job.reconcile import Backoff
from tests.controllers.job.harness import JobCluster, job


def names(c: JobCluster) -> list[str]:
    return [p["metadata"]["name"] for p in c.pods()]


def conds(c: JobCluster) -> dict[str, str]:
    return {x["type"]: x.get("reason", "") for x in c.status().get("conditions") or [] if x["status"] == "True"}


def test_runs_parallelism_pods_until_completions_then_completes() -> None:
    c = JobCluster()
    c.add(job(completions=5, parallelism=2))
    c.sync()
    assert len(c.pods()) == 2
    for p in c.pods():
        assert TRACKING_FINALIZER in p["metadata"]["finalizers"]
        assert p["metadata"]["generateName"] == "pi-"
        assert p["metadata"]["ownerReferences"][0]["kind"] == "Job"
    for _ in range(10):
        for name in names(c):
            c.finish(name)
        c.sync()
        c.sync()
        assert len([p for p in c.pods() if p.get("status", {}).get("phase") not in ("Succeeded", "Failed")]) <= 2
    status = c.status()
    assert status["succeeded"] == 5 and status.get("active", 0) == 0
    assert conds(c) == {"SuccessCriteriaMet": "CompletionsReached", "Complete": "CompletionsReached"}
    assert status["completionTime"] and status["startTime"]
    assert not any(p["metadata"].get("finalizers") for p in c.list("Pod"))
    assert len(c.list("Pod")) == 5  # finished pods stay; no sixth pod was ever made


def test_a_completion_is_counted_once_when_the_controller_dies_between_steps() -> None:
    c = JobCluster()
    c.add(job(completions=3, parallelism=3))
    c.sync()
    first = names(c)[0]
    c.finish(first)
    c.sync(crash_after_status=True)  # recorded in uncountedTerminatedPods, finalizer still on
    uid = c.get("Pod", first)["metadata"]["uid"]
    assert c.status()["uncountedTerminatedPods"] == {"succeeded": [uid]}
    assert TRACKING_FINALIZER in c.get("Pod", first)["metadata"]["finalizers"]
    for _ in range(3):  # a new controller, from what the API holds, any number of times
        c.sync()
    assert c.status()["succeeded"] == 1 and c.status()["uncountedTerminatedPods"] == {}
    assert not c.get("Pod", first)["metadata"].get("finalizers")
    assert len(c.pods()) == 3  # nothing recreated for the counted pod beyond the 2 still needed


def test_failures_back_off_exponentially_then_hit_the_backoff_limit() -> None:
    c = JobCluster()
    c.add(job(backoffLimit=2))
    backoff = Backoff(10, 25)
    assert [backoff.delay(n) for n in range(1, 5)] == [10, 20, 25, 25]
    c.sync(backoff=backoff)
    c.finish(names(c)[0], code=1)
    plan = c.sync(backoff=backoff)
    assert plan.creates == 0 and 9 < (plan.requeue_after or 0) <= 10.1  # 10 s back-off before the next pod
    c.tick(10)
    c.sync(backoff=backoff)
    assert c.status()["failed"] == 1 and c.status().get("active") == 1
    for expected in (2, 3):
        running = [p for p in c.pods() if p.get("status", {}).get("phase") is None]
        c.finish(running[0]["metadata"]["name"], code=1)
        c.tick(30)
        c.sync(backoff=backoff)
        c.sync(backoff=backoff)
        assert c.status()["failed"] == expected
    assert conds(c) == {"FailureTarget": "BackoffLimitExceeded", "Failed": "BackoffLimitExceeded"}
    failed = next(x for x in c.status()["conditions"] if x["type"] == "Failed")
    assert failed["message"] == "Job has reached the specified backoff limit"
    assert len(c.list("Pod")) == 3


def test_indexed_job_gives_each_pod_its_index_and_tracks_completed_indexes() -> None:
    c = JobCluster()
    c.add(job(completions=4, parallelism=2, completionMode="Indexed"))
    c.sync()
    pods = c.pods()
    assert sorted(p["metadata"]["annotations"][INDEX_KEY] for p in pods) == ["0", "1"]
    for p in pods:
        index = p["metadata"]["labels"][INDEX_KEY]
        assert p["metadata"]["generateName"] == f"pi-{index}-"
        assert p["spec"]["hostname"] == f"pi-{index}"
        env = p["spec"]["containers"][0]["env"]
        assert {"name": INDEX_ENV, "valueFrom": {"fieldRef": {
            "fieldPath": f"metadata.annotations['{INDEX_KEY}']"}}} in env
    one = next(p for p in pods if p["metadata"]["labels"][INDEX_KEY] == "1")
    c.finish(one["metadata"]["name"])
    c.sync()
    assert c.status()["completedIndexes"] == "1"
    indexes = sorted(p["metadata"]["labels"][INDEX_KEY] for p in c.pods()
                     if p.get("status", {}).get("phase") is None)
    assert indexes == ["0", "2"]
    for _ in range(4):
        for p in c.pods():
            if p.get("status", {}).get("phase") is None:
                c.finish(p["metadata"]["name"])
        c.sync()
    assert c.status()["completedIndexes"] == "0-3" and c.status()["succeeded"] == 4
    assert "Complete" in conds(c)


def test_success_policy_completes_an_indexed_job_early_and_stops_the_rest() -> None:
    c = JobCluster()
    c.add(job(completions=3, parallelism=3, completionMode="Indexed",
              successPolicy={"rules": [{"succeededIndexes": "0"}]}))
    c.sync()
    zero = next(p for p in c.pods() if p["metadata"]["labels"][INDEX_KEY] == "0")
    c.finish(zero["metadata"]["name"])
    c.sync()
    assert conds(c) == {"SuccessCriteriaMet": "SuccessPolicy"}
    c.remove_deleted()
    c.sync()
    assert conds(c) == {"SuccessCriteriaMet": "SuccessPolicy", "Complete": "SuccessPolicy"}
    assert c.pods() == [] or all(p["status"]["phase"] == "Succeeded" for p in c.pods())


def test_pod_failure_policy_fail_job_ignore_and_count() -> None:
    policy = {"rules": [{"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In",
                                                                "values": [42]}},
                        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}
    c = JobCluster()
    c.add(job(parallelism=1, backoffLimit=6, podFailurePolicy=policy))
    c.sync()
    c.finish(names(c)[0], code=1, conditions=[{"type": "DisruptionTarget", "status": "True"}])
    c.tick(60)
    c.sync()
    assert c.status().get("failed") is None  # ignored: not counted toward backoffLimit
    c.sync()
    running = [p for p in c.pods() if p.get("status", {}).get("phase") is None]
    assert len(running) == 1
    c.finish(running[0]["metadata"]["name"], code=42)
    c.sync()
    c.sync()
    assert conds(c)["Failed"] == "PodFailurePolicy"
    message = next(x for x in c.status()["conditions"] if x["type"] == "Failed")["message"]
    assert message.startswith("Container main for pod default/pi-") and "exit code 42 matching FailJob rule at index 0" \
        in message
    assert c.status()["failed"] == 1


def _running(c: JobCluster) -> list[str]:
    return [p["metadata"]["name"] for p in c.pods() if p.get("status", {}).get("phase") is None]


def test_an_explicit_count_rule_counts_toward_the_backoff_limit_and_wins_over_a_later_ignore() -> None:
    """The first matching rule decides: exit code 3 meets the Count rule at index 0 before the
    Ignore rule that also names it, so it is counted; exit code 4 meets only Ignore."""
    policy = {"rules": [{"action": "Count", "onExitCodes": {"containerName": "main", "operator": "In", "values": [3]}},
                        {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [3, 4]}}]}
    c = JobCluster()
    c.add(job(parallelism=1, backoffLimit=1, podFailurePolicy=policy))
    c.sync()
    c.finish(names(c)[0], code=4)
    c.sync()
    c.sync()
    assert c.status().get("failed") is None and len(_running(c)) == 1  # ignored, and replaced at once
    c.finish(_running(c)[0], code=3)
    c.sync()
    c.sync()
    assert c.status()["failed"] == 1 and conds(c) == {}  # counted, still within backoffLimit 1
    c.tick(60)
    c.sync()
    [third] = _running(c)
    c.finish(third, code=3)
    c.sync()
    c.sync()
    assert c.status()["failed"] == 2
    assert conds(c) == {"FailureTarget": "BackoffLimitExceeded", "Failed": "BackoffLimitExceeded"}


def test_pod_condition_rules_ignore_a_disruption_and_fail_the_job_on_another_condition() -> None:
    """onPodConditions: DisruptionTarget is ignored (not counted, replaced); a pod failing with
    the ConfigIssue condition fails the Job at once, in Kubernetes' words, and its running
    pods are deleted. A pattern matches only its status (True unless it says otherwise)."""
    policy = {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
                        {"action": "FailJob", "onPodConditions": [{"type": "ConfigIssue"}]}]}
    c = JobCluster()
    c.add(job(parallelism=2, completions=4, backoffLimit=6, podFailurePolicy=policy))
    c.sync()
    first, second = names(c)
    c.finish(first, code=137, conditions=[{"type": "DisruptionTarget", "status": "True"}])
    c.sync()
    c.sync()
    assert c.status().get("failed") is None and conds(c) == {}
    assert len(_running(c)) == 2  # the disrupted pod was replaced without back-off
    c.finish(second, code=1, conditions=[{"type": "DisruptionTarget", "status": "False"},
                                         {"type": "ConfigIssue", "status": "False"}])
    c.sync()
    c.sync()
    assert c.status()["failed"] == 1 and conds(c) == {}  # neither pattern's status: counted, no verdict
    c.tick(60)
    c.sync()
    failing, other = _running(c)  # the counted failure was replaced after its back-off
    c.finish(failing, code=1, conditions=[{"type": "ConfigIssue", "status": "True"}])
    c.sync()
    c.sync()
    assert c.status()["failed"] == 2
    assert conds(c) == {"FailureTarget": "PodFailurePolicy", "Failed": "PodFailurePolicy"}
    message = next(x for x in c.status()["conditions"] if x["type"] == "Failed")["message"]
    assert message == f"Pod default/{failing} has condition ConfigIssue matching FailJob rule at index 1"
    assert _running(c) == [] and other not in names(c)  # the other running pod is stopped


def test_active_deadline_fails_the_job_and_deletes_its_pods() -> None:
    c = JobCluster()
    c.add(job(parallelism=2, completions=2, activeDeadlineSeconds=30))
    plan = c.sync()
    assert plan.requeue_after is not None and 29 < plan.requeue_after <= 30.1
    c.tick(31)
    c.sync()
    assert conds(c) == {"FailureTarget": "DeadlineExceeded"}
    assert c.pods() == []  # deleted (finalizer off first, so they are not failures)
    c.sync()
    assert conds(c) == {"FailureTarget": "DeadlineExceeded", "Failed": "DeadlineExceeded"}
    assert c.status().get("failed") is None


def test_suspend_deletes_active_pods_and_resume_starts_again() -> None:
    c = JobCluster()
    c.add(job(parallelism=2, completions=4))
    c.sync()
    c.objects[("Job", "default", "pi")]["spec"]["suspend"] = True
    c.sync()
    assert c.pods() == [] and conds(c) == {"Suspended": "JobSuspended"}
    c.objects[("Job", "default", "pi")]["spec"]["suspend"] = False
    c.sync()
    assert len(c.pods()) == 2
    suspended = next(x for x in c.status()["conditions"] if x["type"] == "Suspended")
    assert suspended["status"] == "False" and suspended["reason"] == "JobResumed"


def test_a_pod_deleted_by_someone_else_counts_as_failed_once() -> None:
    c = JobCluster()
    c.add(job(backoffLimit=0))
    c.sync()
    name = names(c)[0]
    c.delete("Pod", "default", name)  # marked (our finalizer holds it), never finished
    c.sync()
    c.sync()
    assert c.status()["failed"] == 1 and conds(c)["Failed"] == "BackoffLimitExceeded"
    assert c.get("Pod", name) is None


def test_expectations_not_met_creates_nothing_and_fixed_point_writes_nothing() -> None:
    c = JobCluster()
    c.add(job(completions=3, parallelism=3))
    assert c.sync(expectations_met=False).creates == 0
    c.sync()
    before = c.get("Job", "pi")["metadata"]["resourceVersion"]
    plan = c.sync()
    assert plan.creates == 0 and not plan.actions and c.get("Job", "pi")["metadata"]["resourceVersion"] == before


def test_pod_replacement_policy_failed_waits_for_a_terminating_pod_to_finish() -> None:
    for policy, replaced_at_once in (("TerminatingOrFailed", True), ("Failed", False)):
        c = JobCluster()
        c.add(job(parallelism=1, completions=1, podReplacementPolicy=policy))
        c.sync()
        name = names(c)[0]
        pod = c.objects[("Pod", "default", name)]
        pod["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"  # being stopped by its node
        pod["status"] = {"phase": "Running"}
        plan = c.sync()
        assert (plan.creates == 1) is replaced_at_once, policy


def test_backoff_limit_per_index_fails_an_index_not_the_job_until_all_are_done() -> None:
    c = JobCluster()
    c.add(job(completions=2, parallelism=2, completionMode="Indexed", backoffLimitPerIndex=1,
              backoffLimit=2**31 - 1))
    c.sync()

    def pod_of(index: str) -> dict:
        return next(p for p in c.pods() if p["metadata"]["labels"][INDEX_KEY] == index
                    and p.get("status", {}).get("phase") is None)

    first = pod_of("0")
    assert first["metadata"]["annotations"]["batch.kubernetes.io/job-index-failure-count"] == "0"
    c.finish(first["metadata"]["name"], code=1)
    c.tick(5)
    c.sync()
    retry = pod_of("0")
    assert retry["metadata"]["annotations"]["batch.kubernetes.io/job-index-failure-count"] == "1"
    c.finish(retry["metadata"]["name"], code=1)  # index 0's second failure: past its limit of 1
    c.tick(5)
    c.sync()
    assert c.status()["failedIndexes"] == "0" and not conds(c)
    assert not [p for p in c.pods() if p["metadata"]["labels"][INDEX_KEY] == "0"
                and p.get("status", {}).get("phase") is None]  # not tried again
    c.finish(pod_of("1")["metadata"]["name"])
    c.sync()
    c.sync()
    assert c.status()["completedIndexes"] == "1"
    assert conds(c) == {"FailureTarget": "FailedIndexes", "Failed": "FailedIndexes"}


def test_on_failure_restarts_count_toward_the_backoff_limit() -> None:
    c = JobCluster()
    spec = job(backoffLimit=2)["spec"]
    spec["template"]["spec"]["restartPolicy"] = "OnFailure"
    c.add(job(backoffLimit=2, template=spec["template"]))
    c.sync()
    pod = c.objects[("Pod", "default", names(c)[0])]
    for restarted, failed in ((2, False), (3, True)):
        pod["status"] = {"phase": "Running", "containerStatuses": [{"name": "main", "restartCount": restarted,
                                                                    "state": {"running": {}}}]}
        c.sync()
        assert ("Failed" in conds(c) or "FailureTarget" in conds(c)) is failed
    c.remove_deleted()
    c.sync()
    assert conds(c)["Failed"] == "BackoffLimitExceeded"
