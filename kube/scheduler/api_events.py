"""The scheduler's Events, posted through the client's bounded EventWriter.

A burst of unschedulable pods emits an Event per attempt: the writer folds repeats
(same pod, reason and message) into one Event's `count`, keeps at most `max_pending`
distinct ones waiting, and posts them from one worker (kube/client/event_writer.py
holds the rule; this module only says what a scheduler Event looks like)."""

from __future__ import annotations

from kube.client.backoff import Backoff
from kube.client.event_writer import EventWriter
from kube.client.rest import RestClient
from kube.scheduler.events import make_event
from kube.scheduler.pod_info import PodInfo


class ApiEvents(EventWriter):
    def __init__(self, client: RestClient, *, max_pending: int = 1000, remembered: int = 10_000,
                 backoff: Backoff | None = None) -> None:
        super().__init__(client, "scheduler", max_pending=max_pending, remembered=remembered, backoff=backoff)

    def emit(self, pod: PodInfo, reason: str, message: str, kind: str = "Warning") -> None:
        def build(count: int) -> dict:
            event = make_event(pod, reason, message, kind)
            event["count"] = count
            return event

        self.submit((pod.uid, reason, message), pod.namespace, build)
