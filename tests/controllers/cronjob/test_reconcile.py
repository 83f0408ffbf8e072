"""CronJob reconcile with an injected clock: schedules, missed times, deadlines, concurrency, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kube.controllers import actions as A
from kube.controllers.cronjob.reconcile import SCHEDULED_ANNOTATION, TOO_MANY_MISSED, reconcile_cron_job
from tests.controllers.fake_cluster import FakeCluster, stamp

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def cron_job(**spec: Any) -> dict[str, Any]:
    full = {"schedule": "*/1 * * * *", "concurrencyPolicy": "Allow", "suspend": False,
            "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
            "jobTemplate": {"metadata": {"labels": {"team": "a"}}, "spec": {"template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}}
    full.update(spec)
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick", "namespace": "default",
                                                                     "uid": "uid-cj"}, "spec": full}


def step(c: FakeCluster):
    plan = reconcile_cron_job(c.get("CronJob", "tick"), c.list("Job", "default"), c.now)
    c.apply(plan.actions)
    return plan


def jobs(c: FakeCluster) -> list[str]:
    return [j["metadata"]["name"] for j in c.list("Job")]


def finish(c: FakeCluster, name: str, kind: str = "Complete") -> None:
    c.objects[("Job", "default", name)]["status"] = {
        "conditions": [{"type": kind, "status": "True", "lastTransitionTime": stamp(c.now)}],
        "startTime": stamp(c.now), **({"completionTime": stamp(c.now)} if kind == "Complete" else {})}


def reasons(plan) -> list[str]:
    return [n.reason for n in plan.notes]


def test_creates_the_job_of_each_minute_named_by_minutes_since_the_epoch() -> None:
    c = FakeCluster(T0)
    c.add(cron_job())
    plan = step(c)
    assert jobs(c) == [] and 59 < plan.requeue_after <= 60.2  # created at 12:00:00, first time is 12:01
    c.tick(61)
    plan = step(c)
    minute = int((T0 + timedelta(minutes=1)).timestamp()) // 60
    assert jobs(c) == [f"tick-{minute}"] and plan.created == f"tick-{minute}"
    job = c.get("Job", f"tick-{minute}")
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert job["metadata"]["labels"] == {"team": "a"}
    assert job["metadata"]["annotations"][SCHEDULED_ANNOTATION] == "2026-01-01T12:01:00Z"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert c.get("CronJob", "tick")["status"]["lastScheduleTime"] == "2026-01-01T12:01:00Z"
    assert reasons(plan) == [] and [type(a).__name__ for a in plan.actions] == ["Create", "UpdateStatus"]
    step(c)  # the next sync lists it as active
    assert [r["name"] for r in c.get("CronJob", "tick")["status"]["active"]] == [f"tick-{minute}"]
    assert jobs(c) == [f"tick-{minute}"]  # nothing new within the same minute


def test_time_zone_decides_the_wall_clock() -> None:
    c = FakeCluster(T0)
    c.add(cron_job(schedule="0 22 * * *", timeZone="Asia/Tokyo"))  # 22:00 JST = 13:00 UTC
    c.tick(3600 + 1)
    step(c)
    job = c.list("Job")[0]
    assert job["metadata"]["annotations"][SCHEDULED_ANNOTATION] == "2026-01-01T22:00:00+09:00"


def test_forbid_skips_while_one_runs_and_replace_deletes_it() -> None:
    c = FakeCluster(T0)
    c.add(cron_job(concurrencyPolicy="Forbid"))
    c.tick(61)
    step(c)
    step(c)
    c.tick(60)
    plan = step(c)
    assert len(jobs(c)) == 1 and reasons(plan) == ["JobAlreadyActive"]
    c.objects[("CronJob", "default", "tick")]["spec"]["concurrencyPolicy"] = "Replace"
    plan = step(c)
    assert [type(a).__name__ for a in plan.actions][:2] == ["Delete", "Create"]
    delete = plan.actions[0]
    assert isinstance(delete, A.Delete) and delete.propagation == "Background"
    assert len(jobs(c)) == 1 and jobs(c)[0].endswith(str(int((T0 + timedelta(minutes=2)).timestamp()) // 60))


def test_allow_runs_jobs_side_by_side_and_finished_ones_update_the_status() -> None:
    c = FakeCluster(T0)
    c.add(cron_job())
    for _ in range(2):
        c.tick(60)
        step(c)
        step(c)
    assert len(jobs(c)) == 2 and len(c.get("CronJob", "tick")["status"]["active"]) == 2
    finish(c, jobs(c)[0])
    plan = step(c)
    status = c.get("CronJob", "tick")["status"]
    assert len(status["active"]) == 1 and status["lastSuccessfulTime"] == stamp(c.now)
    assert reasons(plan) == ["SawCompletedJob"]


def test_history_limits_delete_the_oldest_finished_jobs() -> None:
    c = FakeCluster(T0)
    c.add(cron_job(successfulJobsHistoryLimit=2, failedJobsHistoryLimit=1))
    for i in range(5):
        c.tick(60)
        step(c)
        finish(c, sorted(jobs(c))[-1], "Complete" if i < 3 else "Failed")
    step(c)
    names = sorted(jobs(c))
    assert len(names) == 3  # the 2 newest successful, the newest failed
    assert [c.get("Job", n)["status"]["conditions"][0]["type"] for n in names] == ["Complete", "Complete", "Failed"]


def test_more_than_100_missed_times_runs_only_the_latest_with_an_event() -> None:
    c = FakeCluster(T0)
    c.add(cron_job())
    c.tick(3 * 3600 + 30)  # 180 missed minutes
    plan = step(c)
    assert TOO_MANY_MISSED in [n.message for n in plan.notes] and "TooManyMissedTimes" in reasons(plan)
    assert jobs(c) == [f"tick-{int((T0 + timedelta(hours=3)).timestamp()) // 60}"]


def test_a_few_missed_times_run_once_the_most_recent_without_an_event() -> None:
    c = FakeCluster(T0)
    c.add(cron_job())
    c.tick(5 * 60 + 10)
    plan = step(c)
    assert reasons(plan) == [] and jobs(c) == [f"tick-{int((T0 + timedelta(minutes=5)).timestamp()) // 60}"]


def test_starting_deadline_skips_a_time_too_late_to_start() -> None:
    c = FakeCluster(T0)
    c.add(cron_job(schedule="0 * * * *", startingDeadlineSeconds=30))
    c.tick(3600 + 45)  # 13:00 passed 45 s ago, the deadline was 30 s
    plan = step(c)
    assert jobs(c) == [] and reasons(plan) == []  # outside the window: not even counted as missed
    c.tick(3600 - 45 + 10)  # 14:00:10
    step(c)
    assert len(jobs(c)) == 1


def test_suspended_or_unparseable_creates_nothing() -> None:
    c = FakeCluster(T0)
    c.add(cron_job(suspend=True))
    c.tick(120)
    assert step(c).requeue_after is None and jobs(c) == []
    c.objects[("CronJob", "default", "tick")]["spec"].update(suspend=False, timeZone="Nowhere/Land")
    assert reasons(step(c)) == ["UnknownTimeZone"] and jobs(c) == []


def test_a_job_made_by_hand_from_the_cronjob_is_not_active() -> None:
    c = FakeCluster(T0)
    cj = c.add(cron_job(concurrencyPolicy="Forbid"))
    c.add({"apiVersion": "batch/v1", "kind": "Job", "metadata": {
        "name": "by-hand", "namespace": "default", "annotations": {"cronjob.kubernetes.io/instantiate": "manual"},
        "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "tick",
                             "uid": cj["metadata"]["uid"], "controller": True}]}, "spec": {}})
    c.tick(61)
    plan = step(c)
    assert "UnexpectedJob" in reasons(plan) and "JobAlreadyActive" not in reasons(plan)
    assert len(jobs(c)) == 2  # Forbid does not wait for a Job it did not schedule
