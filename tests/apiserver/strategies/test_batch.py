"""Jobs and CronJobs through the API server: defaults, the generated selector, Kubernetes'
422s (restartPolicy, negative completions, int32 parallelism, bad schedule / time zone,
TZ= in the schedule), a fresh status on create, and the tables kubectl prints."""

from __future__ import annotations

from typing import Any

import pytest

from tests.apiserver.conftest import Api

JOBS = "/apis/batch/v1/namespaces/default/jobs"
CRONJOBS = "/apis/batch/v1/namespaces/default/cronjobs"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def job(name: str = "pi", restart: str | None = "Never", **spec: Any) -> dict[str, Any]:
    pod: dict[str, Any] = {"containers": [{"name": "main", "image": "kube.local/busybox:1"}]}
    if restart is not None:
        pod["restartPolicy"] = restart
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {"spec": pod}, **spec}}


def cron_job(name: str = "tick", schedule: str = "*/1 * * * *", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": schedule, "jobTemplate": {"spec": job()["spec"]}, **spec}}


def _causes(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["field"], c["reason"]) for c in body["details"]["causes"]]


async def test_a_job_is_defaulted_with_a_selector_generated_from_its_uid(api: Api) -> None:
    sent = job()
    sent["status"] = {"succeeded": 9}
    code, body = await api.post(JOBS, sent)
    assert code == 201, body
    uid, spec = body["metadata"]["uid"], body["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (1, 1, 6)
    assert spec["completionMode"] == "NonIndexed" and spec["suspend"] is False and spec["manualSelector"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert spec["template"]["metadata"]["labels"] == {
        "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
        "controller-uid": uid, "job-name": "pi"}
    assert body["status"] == {}
    code, work_queue = await api.post(JOBS, job("queue", parallelism=3))
    assert code == 201 and "completions" not in work_queue["spec"] and work_queue["spec"]["parallelism"] == 3


async def test_a_job_pod_must_not_restart_always(api: Api) -> None:
    code, body = await api.post(JOBS, job(restart=None))
    assert code == 422, body
    assert body["reason"] == "Invalid" and body["details"]["kind"] == "Job" and body["details"]["group"] == "batch"
    assert ("spec.template.spec.restartPolicy", "FieldValueNotSupported") in _causes(body)
    assert 'Unsupported value: "Always": supported values: "OnFailure", "Never"' in body["message"]


@pytest.mark.parametrize(("spec", "field", "text"), [
    ({"completions": -1}, "spec.completions", "must be greater than or equal to 0"),
    ({"parallelism": 2**31}, "spec.parallelism", ""),
    ({"backoffLimit": -2}, "spec.backoffLimit", "must be greater than or equal to 0"),
    ({"completionMode": "Indexed", "completions": None, "parallelism": 2}, "spec.completions", "Indexed"),
    ({"completionMode": "Sometimes"}, "spec.completionMode", "supported values"),
    ({"selector": {"matchLabels": {"a": "b"}}}, "spec.selector", ""),
    ({"podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [0]}}]}},
     "spec.podFailurePolicy.rules[0].onExitCodes.values[0]", "must not be 0"),
    ({"successPolicy": {"rules": [{"succeededCount": 1}]}}, "spec.completionMode", "indexed"),
    ({"backoffLimitPerIndex": 1}, "spec.backoffLimitPerIndex", "requires indexed completion mode"),
    ({"completionMode": "Indexed", "completions": 2, "maxFailedIndexes": 1}, "spec.maxFailedIndexes",
     "backoffLimitPerIndex is null"),
    ({"podFailurePolicy": {"rules": [{"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [3]}}]}},
     "spec.podFailurePolicy.rules[0].action", "requires the backoffLimitPerIndex"),
])
async def test_bad_job_specs_are_refused_naming_the_field(api: Api, spec: dict[str, Any], field: str,
                                                          text: str) -> None:
    code, body = await api.post(JOBS, job(**spec))
    assert code == 422, body
    assert field in [f for f, _ in _causes(body)], body
    assert text in body["message"]


async def test_a_manual_selector_is_kept_and_must_match_the_template(api: Api) -> None:
    sent = job(manualSelector=True, selector={"matchLabels": {"app": "x"}})
    code, body = await api.post(JOBS, sent)
    assert code == 422 and ("spec.template.metadata.labels", "FieldValueInvalid") in _causes(body)
    sent["spec"]["template"]["metadata"] = {"labels": {"app": "x"}}
    code, body = await api.post(JOBS, sent)
    assert code == 201, body
    assert body["spec"]["selector"] == {"matchLabels": {"app": "x"}}
    assert "controller-uid" not in body["spec"]["template"]["metadata"]["labels"]


async def test_a_job_template_is_immutable(api: Api) -> None:
    _, created = await api.post(JOBS, job())
    created["spec"]["template"]["spec"]["containers"][0]["image"] = "other"
    code, body = await api.put(f"{JOBS}/pi", created)
    assert code == 422 and ("spec.template", "FieldValueInvalid") in _causes(body)


async def test_a_cronjob_is_defaulted(api: Api) -> None:
    code, body = await api.post(CRONJOBS, cron_job(timeZone="Europe/Paris"))
    assert code == 201, body
    spec = body["spec"]
    assert (spec["concurrencyPolicy"], spec["suspend"], spec["successfulJobsHistoryLimit"],
            spec["failedJobsHistoryLimit"]) == ("Allow", False, 3, 1)
    assert body["status"] == {}


@pytest.mark.parametrize(("spec", "field", "text"), [
    ({"schedule": "61 * * * *"}, "spec.schedule", "end of range (61) above maximum (59)"),
    ({"schedule": "not a schedule"}, "spec.schedule", "expected exactly 5 fields"),
    ({"schedule": "TZ=UTC 0 * * * *"}, "spec.schedule", "cannot use TZ or CRON_TZ in schedule"),
    ({"schedule": ""}, "spec.schedule", "Required value"),
    ({"timeZone": "Mars/Olympus"}, "spec.timeZone", "unknown time zone Mars/Olympus"),
    ({"timeZone": "Local"}, "spec.timeZone", "explicit time zone"),
    ({"concurrencyPolicy": "Sometimes"}, "spec.concurrencyPolicy", "supported values"),
    ({"startingDeadlineSeconds": -1}, "spec.startingDeadlineSeconds", "greater than or equal to 0"),
])
async def test_bad_cronjobs_are_refused_naming_the_field(api: Api, spec: dict[str, Any], field: str,
                                                         text: str) -> None:
    sent = cron_job()
    sent["spec"].update(spec)
    code, body = await api.post(CRONJOBS, sent)
    assert code == 422, body
    assert field in [f for f, _ in _causes(body)], body
    assert text in body["message"], body["message"]


async def test_a_cronjob_name_leaves_room_for_the_job_suffix(api: Api) -> None:
    code, body = await api.post(CRONJOBS, cron_job("x" * 53))
    assert code == 422 and "must be no more than 52 characters" in body["message"]


async def test_tables_for_jobs_and_cronjobs(api: Api) -> None:
    await api.post(JOBS, job(completions=5, parallelism=2))
    code, table = await api.get(JOBS, headers={"Accept": TABLE})
    assert code == 200, table
    assert [c["name"] for c in table["columnDefinitions"]][:5] == ["Name", "Status", "Completions", "Duration", "Age"]
    assert table["rows"][0]["cells"][:4] == ["pi", "Running", "0/5", ""]
    await api.post(CRONJOBS, cron_job())
    code, table = await api.get(CRONJOBS, headers={"Accept": TABLE})
    assert [c["name"] for c in table["columnDefinitions"]][:7] == [
        "Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age"]
    assert table["rows"][0]["cells"][:6] == ["tick", "*/1 * * * *", "<none>", False, 0, "<none>"]


async def test_a_job_deleted_without_a_policy_orphans_its_pods(api: Api) -> None:
    await api.post(JOBS, job())
    code, body = await api.delete(f"{JOBS}/pi")
    assert code in (200, 202), body  # marked, held by the orphan finalizer until the GC has let the pods go
    _, marked = await api.get(f"{JOBS}/pi")
    assert marked["metadata"]["finalizers"] == ["orphan"] and marked["metadata"]["deletionTimestamp"]
    await api.post(JOBS, job("bg"))
    code, body = await api.delete(f"{JOBS}/bg", {"propagationPolicy": "Background"})
    assert code == 200 and (await api.get(f"{JOBS}/bg"))[0] == 404
