"""The events table (printEvent): LAST SEEN from the series, lastTimestamp or eventTime."""

from __future__ import annotations

from kube.api.age import age_since
from kube.api.meta import Obj
from kube.apiserver.tables.columns import Cell, Column, Printer, as_int, meta, section

COLUMNS = (
    Column("Last Seen", description="The time at which the most recent occurrence of this event was recorded."),
    Column("Type", description="Type of this event (Normal, Warning), new types could be added in the future."),
    Column("Reason", description="This should be a short, machine understandable string that gives the reason "
           "for the transition into the object's current status."),
    Column("Object", description="The object that this event is about."),
    Column("Subobject", priority=1, description="The field of the object that this event is about."),
    Column("Source", priority=1, description="The component reporting this event."),
    Column("Message", description="A human-readable description of the status of this operation."),
    Column("First Seen", priority=1, description="The time at which the event was first recorded."),
    Column("Count", priority=1, description="The number of times this event has occurred."),
    Column("Name", priority=1, format="name", description="Name must be unique within a namespace."),
)


def _source(event: Obj) -> str:
    src = section(event, "source")
    component = src.get("component") or event.get("reportingComponent") or event.get("reportingController") or ""
    host = src.get("host") or event.get("reportingInstance") or ""
    if component and host:
        return f"{component}, {host}"
    return str(component or host or "<none>")


def _row(event: Obj, now: float) -> list[Cell]:
    series = section(event, "series")
    if series.get("lastObservedTime"):
        last = age_since(series["lastObservedTime"], now)
    elif event.get("lastTimestamp"):
        last = age_since(event["lastTimestamp"], now)
    else:
        last = age_since(event.get("eventTime"), now)
    first = age_since(event.get("firstTimestamp") or event.get("eventTime"), now)
    involved = section(event, "involvedObject")
    count = as_int(series.get("count")) if series else as_int(event.get("count"))
    return [
        last,
        event.get("type") or "",
        event.get("reason") or "",
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        involved.get("fieldPath") or "",
        _source(event),
        (event.get("message") or "").strip(),
        first,
        str(count),
        meta(event).get("name", ""),
    ]


PRINTERS = {("", "Event"): Printer(COLUMNS, _row)}
