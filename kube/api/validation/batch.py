"""batch/v1 Job and CronJob validation (ValidateJob, ValidateCronJob), with Kubernetes' messages.

A Job's pods may restart only OnFailure or Never; an invalid cron schedule or time zone
names spec.schedule / spec.timeZone. The controllers parse schedules with the same code
(kube/api/cron_schedule.py) so what is accepted here is what runs.
"""

from __future__ import annotations

from typing import Any

from kube.api.cron_schedule import ScheduleError, load_zone, parse_schedule
from kube.api.errors import forbidden, invalid, not_supported, required
from kube.api.labels import SelectorError, from_label_selector
from kube.api.validation.field_types import (
    Errors,
    child,
    dict_elements,
    get_bool,
    get_dict,
    get_int,
    get_list,
    get_str,
    index,
)
from kube.api.validation.object_meta import validate_object_meta
from kube.api.validation.pod import validate_pod_template
from kube.api.validation.selectors import validate_label_selector

RESTART_POLICIES = ["OnFailure", "Never"]
COMPLETION_MODES = ["NonIndexed", "Indexed"]
CONCURRENCY = ["Allow", "Forbid", "Replace"]
RULE_ACTIONS = ["Count", "FailIndex", "FailJob", "Ignore"]
CRONJOB_NAME_MAX = 52  # 63 less the 11 characters of the scheduled-time suffix
UID_LABEL = "batch.kubernetes.io/controller-uid"


def _non_negative(spec: dict[str, Any], key: str, path: str, errs: Errors) -> int | None:
    value = get_int(spec, key, path, errs)
    if value is not None and value < 0:
        errs.append(invalid(child(path, key), value, "must be greater than or equal to 0"))
    return value


def _failure_policy(policy: dict[str, Any], path: str, restart: Any, per_index: Any) -> Errors:
    errs: Errors = []
    if restart != "Never":
        errs.append(invalid(path, policy, 'only "Never" is supported when podFailurePolicy is specified'))
    rules = get_list(policy, "rules", path, errs) or []
    for _, rpath, rule in dict_elements(rules, child(path, "rules"), errs):
        action = get_str(rule, "action", rpath, errs, must=True)
        if action is not None and action not in RULE_ACTIONS:
            errs.append(not_supported(child(rpath, "action"), action, RULE_ACTIONS))
        if action == "FailIndex" and per_index is None:
            errs.append(invalid(child(rpath, "action"), action, "requires the backoffLimitPerIndex to be set"))
        codes = get_dict(rule, "onExitCodes", rpath, errs)
        conditions = get_list(rule, "onPodConditions", rpath, errs)
        if (codes is None) == (conditions is None):
            errs.append(invalid(rpath, "", "specifying one of OnExitCodes and OnPodConditions is required"))
        if codes is not None:
            cpath = child(rpath, "onExitCodes")
            operator = get_str(codes, "operator", cpath, errs, must=True)
            if operator is not None and operator not in ("In", "NotIn"):
                errs.append(not_supported(child(cpath, "operator"), operator, ["In", "NotIn"]))
            values = get_list(codes, "values", cpath, errs, must=True) or []
            if not values:
                errs.append(invalid(child(cpath, "values"), values, "at least one value is required"))
            for i, value in enumerate(values):
                if not isinstance(value, int) or isinstance(value, bool):
                    errs.append(invalid(index(child(cpath, "values"), i), value, "must be an integer"))
                elif operator == "In" and value == 0:
                    errs.append(invalid(index(child(cpath, "values"), i), value, "must not be 0 for the In operator"))
            if len(values) != len({v for v in values if isinstance(v, int)}):
                errs.append(invalid(child(cpath, "values"), values, "must be unique"))
        for _, ppath, pattern in dict_elements(conditions, child(rpath, "onPodConditions"), errs):
            get_str(pattern, "type", ppath, errs, must=True)
            status = get_str(pattern, "status", ppath, errs)
            if status is not None and status not in ("True", "False", "Unknown"):
                errs.append(not_supported(child(ppath, "status"), status, ["True", "False", "Unknown"]))
    return errs


def _success_policy(policy: dict[str, Any], path: str, spec: dict[str, Any]) -> Errors:
    errs: Errors = []
    if spec.get("completionMode") != "Indexed":
        errs.append(invalid(child(path.rpartition(".")[0], "completionMode"), spec.get("completionMode"),
                            "requires indexed completion mode"))
    rules = get_list(policy, "rules", path, errs) or []
    if not rules:
        errs.append(required(child(path, "rules")))
    for _, rpath, rule in dict_elements(rules, child(path, "rules"), errs):
        indexes = get_str(rule, "succeededIndexes", rpath, errs)
        count = get_int(rule, "succeededCount", rpath, errs)
        if indexes is None and count is None:
            errs.append(required(rpath, "at least one of succeededCount or succeededIndexes must be specified"))
        if count is not None and count < 1:
            errs.append(invalid(child(rpath, "succeededCount"), count, "must be greater than or equal to 1"))
        completions = spec.get("completions")
        if count is not None and isinstance(completions, int) and count > completions:
            errs.append(invalid(child(rpath, "succeededCount"), count,
                                f"must be less than or equal to {completions} (the number of specified completions)"))
    return errs


def validate_job_spec(spec: dict[str, Any], path: str, *, selector_required: bool = True) -> Errors:
    errs: Errors = []
    _non_negative(spec, "parallelism", path, errs)
    completions = _non_negative(spec, "completions", path, errs)
    deadline = get_int(spec, "activeDeadlineSeconds", path, errs, expected="int64")
    if deadline is not None and deadline <= 0:
        errs.append(invalid(child(path, "activeDeadlineSeconds"), deadline, "must be greater than 0"))
    for key in ("backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
        _non_negative(spec, key, path, errs)
    get_bool(spec, "suspend", path, errs)
    get_bool(spec, "manualSelector", path, errs)
    mode = get_str(spec, "completionMode", path, errs)
    if mode is not None and mode not in COMPLETION_MODES:
        errs.append(not_supported(child(path, "completionMode"), mode, COMPLETION_MODES))
    if mode == "Indexed" and completions is None:
        errs.append(required(child(path, "completions"), "when completion mode is Indexed"))
    per_index, max_failed = spec.get("backoffLimitPerIndex"), spec.get("maxFailedIndexes")
    if per_index is not None and mode != "Indexed":
        errs.append(invalid(child(path, "backoffLimitPerIndex"), per_index, "requires indexed completion mode"))
    if max_failed is not None and per_index is None:
        errs.append(invalid(child(path, "maxFailedIndexes"), max_failed,
                            "cannot set maxFailedIndexes when backoffLimitPerIndex is null"))
    elif isinstance(max_failed, int) and isinstance(completions, int) and max_failed > completions:
        errs.append(invalid(child(path, "maxFailedIndexes"), max_failed, "must be less than or equal to completions"))
    selector = get_dict(spec, "selector", path, errs, must=selector_required)
    template = get_dict(spec, "template", path, errs, must=True)
    if selector is not None:
        errs += validate_label_selector(selector, child(path, "selector"))
    if template is None:
        return errs
    tpath = child(path, "template")
    errs += validate_pod_template(template, tpath)
    labels = (template.get("metadata") or {}).get("labels") or {}
    if selector is not None and isinstance(labels, dict):
        try:
            if not from_label_selector(selector).matches(labels):
                errs.append(invalid(child(tpath, "metadata.labels"), labels,
                                    "`selector` does not match template `labels`"))
        except SelectorError:
            pass  # reported by the selector's own validation
    pod_spec = template.get("spec") if isinstance(template.get("spec"), dict) else {}
    restart = pod_spec.get("restartPolicy")
    if restart not in RESTART_POLICIES:
        errs.append(not_supported(child(tpath, "spec.restartPolicy"), restart, RESTART_POLICIES) if restart
                    else required(child(tpath, "spec.restartPolicy"),
                                  'valid values: "OnFailure", "Never"'))
    failure = get_dict(spec, "podFailurePolicy", path, errs)
    if failure is not None:
        errs += _failure_policy(failure, child(path, "podFailurePolicy"), restart, spec.get("backoffLimitPerIndex"))
    success = get_dict(spec, "successPolicy", path, errs)
    if success is not None:
        errs += _success_policy(success, child(path, "successPolicy"), spec)
    return errs


def _generated_selector(job: dict[str, Any]) -> Errors:
    """Without manualSelector the selector is the one the server generated from the uid."""
    spec = job.get("spec") or {}
    uid = (job.get("metadata") or {}).get("uid")
    if spec.get("manualSelector") is True or not uid or not isinstance(spec.get("selector"), dict):
        return []
    errs: Errors = []
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if isinstance(labels, dict) and labels.get(UID_LABEL) != uid:
        errs.append(invalid(f"spec.template.metadata.labels[{UID_LABEL}]", labels.get(UID_LABEL),
                            f"must be '{uid}'"))
    if (spec["selector"].get("matchLabels") or {}).get(UID_LABEL) != uid:
        errs.append(invalid("spec.selector", spec["selector"], "`selector` not auto-generated"))
    return errs


def validate_job(job: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(job, namespaced=True)
    spec = get_dict(job, "spec", "", errs, must=True)
    if spec is None:
        return errs
    errs += validate_job_spec(spec, "spec")
    errs += _generated_selector(job)
    if old is not None and isinstance(old.get("spec"), dict):
        before = old["spec"]
        for key in ("selector", "completionMode", "podFailurePolicy", "successPolicy"):
            if spec.get(key) != before.get(key) and key in before:
                errs.append(invalid(child("spec", key), spec.get(key), "field is immutable"))
        if spec.get("completions") != before.get("completions") and not (
                spec.get("completionMode") == "Indexed" and spec.get("completions") == spec.get("parallelism")):
            errs.append(invalid("spec.completions", spec.get("completions"), "field is immutable"))
        if spec.get("template") != before.get("template") and not before.get("suspend"):
            errs.append(invalid("spec.template", spec.get("template"), "field is immutable"))
    return errs


def validate_cron_job(cronjob: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(cronjob, namespaced=True)
    name = (cronjob.get("metadata") or {}).get("name")
    if isinstance(name, str) and len(name) > CRONJOB_NAME_MAX:
        errs.append(invalid("metadata.name", name, f"must be no more than {CRONJOB_NAME_MAX} characters"))
    spec = get_dict(cronjob, "spec", "", errs, must=True)
    if spec is None:
        return errs
    schedule = get_str(spec, "schedule", "spec", errs, must=True)
    zone_name = get_str(spec, "timeZone", "spec", errs)
    if schedule == "":
        errs.append(required("spec.schedule"))
    elif schedule is not None:
        try:
            parse_schedule(schedule)
        except ScheduleError as exc:
            errs.append(invalid("spec.schedule", schedule, str(exc)))
    if zone_name is not None:
        try:
            load_zone(zone_name)
        except ScheduleError as exc:
            errs.append(invalid("spec.timeZone", zone_name, str(exc)))
    policy = get_str(spec, "concurrencyPolicy", "spec", errs)
    if policy is not None and policy not in CONCURRENCY:
        errs.append(not_supported("spec.concurrencyPolicy", policy, CONCURRENCY))
    for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        _non_negative(spec, key, "spec", errs)
    get_bool(spec, "suspend", "spec", errs)
    template = get_dict(spec, "jobTemplate", "spec", errs, must=True)
    if template is not None:
        job_spec = get_dict(template, "spec", "spec.jobTemplate", errs, must=True)
        if job_spec is not None:
            errs += validate_job_spec(job_spec, "spec.jobTemplate.spec", selector_required=False)
            if job_spec.get("manualSelector") is not True and job_spec.get("selector") is not None:
                errs.append(forbidden("spec.jobTemplate.spec.selector",
                                      "`selector` will be auto-generated"))
    return errs
