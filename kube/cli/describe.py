"""`kube describe KIND NAME...`: an object's key fields and its Events, compact."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kube.api.age import age_since as age_of
from kube.api.registry import KindInfo, by_gvk
from kube.cli.apply_patch import LAST_APPLIED
from kube.cli.connection import add_connection_flags, run
from kube.cli.describe_sections import SECTIONS, field_lines, generic, pairs
from kube.cli.kinds import split_type_name
from kube.cli.table_printer import align
from kube.client.errors import ApiError
from kube.client.rest import RestClient

EVENT = by_gvk("", "v1", "Event")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("describe", help="show an object's details and events")
    p.add_argument("resources", nargs="+", metavar="KIND NAME")
    p.add_argument("-l", "--selector", default=None)
    add_connection_flags(p)
    p.set_defaults(func=run(describe_command))


async def describe_command(args: argparse.Namespace, client: RestClient) -> int:
    blocks: list[str] = []
    for kind, name in split_type_name(args.resources):
        ns = (args.namespace or client.namespace) if kind.namespaced else None
        if name:
            objects = [await client.get(kind, name, ns)]
        else:
            doc = await client.list_all(kind, ns, label_selector=args.selector)
            objects = [{"kind": kind.kind, **o} for o in doc.get("items") or []]
        for obj in objects:
            events = await _events(client, obj)
            blocks.append("\n".join(describe(kind, obj, events)))
    if not blocks:
        ns = args.namespace or client.namespace
        print(f"No resources found in {ns} namespace.", file=sys.stderr)
        return 0
    print("\n\n\n".join(blocks))
    return 0


def describe(kind: KindInfo, obj: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
    meta = obj.get("metadata") or {}
    rows: list[tuple[str, Any]] = [("Name", meta.get("name"))]
    if kind.namespaced:
        rows.append(("Namespace", meta.get("namespace")))
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    rows += [("Labels", pairs(meta.get("labels"))), ("Annotations", pairs(annotations)),
             ("CreationTimestamp", meta.get("creationTimestamp"))]
    if meta.get("deletionTimestamp"):
        rows.append(("DeletionTimestamp", meta["deletionTimestamp"]))
    lines = field_lines(rows)
    lines += SECTIONS.get(kind.kind, generic)(obj)
    lines += event_lines(events)
    return lines


def event_lines(events: list[dict[str, Any]]) -> list[str]:
    if not events:
        return ["Events:  <none>"]
    rows = [["Type", "Reason", "Age", "From", "Message"], ["----", "------", "----", "----", "-------"]]
    for e in sorted(events, key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or "")):
        when = e.get("lastTimestamp") or e.get("eventTime") or (e.get("metadata") or {}).get("creationTimestamp")
        age = age_of(when)
        if (e.get("count") or 1) > 1:
            age = f"{age} (x{e['count']} over {age_of(e.get('firstTimestamp'))})"
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
        rows.append([str(e.get("type", "")), str(e.get("reason", "")), age, source,
                     str(e.get("message", "")).replace("\n", " ")])
    return ["Events:"] + ["  " + line for line in align(rows)]


async def _events(client: RestClient, obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The object's events, selected as kubectl does (involvedObject name, namespace, uid)."""
    if EVENT is None:
        return []
    meta = obj.get("metadata") or {}
    selector = [f"involvedObject.name={meta.get('name')}"]
    if meta.get("namespace"):
        selector.append(f"involvedObject.namespace={meta['namespace']}")
    if meta.get("uid"):
        selector.append(f"involvedObject.uid={meta['uid']}")
    try:
        doc = await client.list_all(EVENT, meta.get("namespace") or None, field_selector=",".join(selector))
    except ApiError as exc:  # a server without these field selectors: filter here
        if exc.code != 400:
            raise
        doc = await client.list_all(EVENT, meta.get("namespace") or None)
    return [e for e in doc.get("items") or []
            if (e.get("involvedObject") or {}).get("name") == meta.get("name")
            and (e.get("involvedObject") or {}).get("uid", meta.get("uid")) == meta.get("uid")]
