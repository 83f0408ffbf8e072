"""spec.backoffLimitPerIndex (Indexed Jobs): each index has its own failure budget.

An index's failures so far travel on its newest pod in the
`batch.kubernetes.io/job-index-failure-count` annotation, so they survive the
pods that failed being garbage collected; an index whose failures pass the limit
(or a FailIndex rule matched) joins `status.failedIndexes` and is not tried again.
"""

from __future__ import annotations

from datetime import datetime

from kube.api.meta import Obj
from kube.controllers.job.failure_policy import FAIL_INDEX, IGNORE, judge
from kube.controllers.job.pods import counts_as_failed, finish_time, index_of

FAILURE_COUNT_KEY = "batch.kubernetes.io/job-index-failure-count"


def _base(pod: Obj) -> int:
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(FAILURE_COUNT_KEY)
    return int(text) if isinstance(text, str) and text.isdigit() else 0


def index_failures(job: Obj, pods: list[Obj], completions: int, limit: int, failed: set[int]
                   ) -> tuple[dict[int, int], dict[int, datetime], set[int]]:
    """(failures per index, when each index last failed, the failed indexes including `failed`)."""
    counts: dict[int, int] = {}
    last: dict[int, datetime] = {}
    failed = set(failed)
    for pod in pods:
        index = index_of(pod)
        if index is None or index >= completions:
            continue
        count = _base(pod)
        if counts_as_failed(pod):
            verdict = judge(job, pod)
            if verdict.action == FAIL_INDEX:
                failed.add(index)
            if verdict.action != IGNORE:
                count += 1
                moment = finish_time(pod)
                if moment is not None and (index not in last or moment > last[index]):
                    last[index] = moment
        counts[index] = max(counts.get(index, 0), count)
    failed.update(i for i, n in counts.items() if n > limit)
    return counts, last, failed
