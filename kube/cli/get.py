"""`kube get KIND [NAME...]`: tables as kubectl prints them, or whole objects.

Asks the server for Tables (the columns come from the server, as with kubectl);
`-w` prints further rows from a watch started at the list's resourceVersion, which
resumes from the last resourceVersion it printed when the connection breaks (an API
server restart), so no change is missed or printed twice.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

from kube.api.registry import KindInfo
from kube.cli.connection import add_connection_flags, run
from kube.cli.errors import CliError
from kube.cli.kinds import qualified, split_type_name
from kube.cli.object_printer import name_line, render_objects, with_type
from kube.cli.table_printer import align, column_widths, is_table, list_as_table, table_rows
from kube.client.errors import ApiError
from kube.client.rest import TABLE_ACCEPT, RestClient
from kube.client.retry_watch import Outage, RetryWatch
from kube.client.watch import Event, WatchStream

OUTPUTS = ["wide", "yaml", "json", "name"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("get", help="list objects, or show some by name")
    p.add_argument("resources", nargs="+", metavar="KIND [NAME...]")
    p.add_argument("-o", "--output", choices=OUTPUTS, default=None)
    p.add_argument("-l", "--selector", default=None, help="label selector, e.g. app=web,tier!=db")
    p.add_argument("--field-selector", default=None, help="field selector, e.g. spec.nodeName=n1")
    p.add_argument("-w", "--watch", action="store_true", help="after listing, print changes as they happen")
    p.add_argument("-A", "--all-namespaces", action="store_true")
    p.add_argument("--chunk-size", type=int, default=500, help="list page size")
    add_connection_flags(p)
    p.set_defaults(func=run(get_command))


def _grouped(args: argparse.Namespace) -> list[tuple[KindInfo, list[str]]]:
    groups: list[tuple[KindInfo, list[str]]] = []
    for kind, name in split_type_name(args.resources):
        if groups and groups[-1][0] == kind:
            if name:
                groups[-1][1].append(name)
            continue
        groups.append((kind, [name] if name else []))
    return groups


async def get_command(args: argparse.Namespace, client: RestClient) -> int:
    groups = _grouped(args)
    if args.watch and len(groups) > 1:
        raise CliError("you may only specify a single resource type when watching")
    namespace = None if args.all_namespaces else (args.namespace or client.namespace)
    if args.output in ("yaml", "json", "name"):
        return await _print_objects(client, groups, namespace, args)
    failed = False
    printed_any = False
    widths: list[int] = []
    resource_version = ""
    for kind, names in groups:
        ns = namespace if kind.namespaced else None
        table, errors = await _fetch_table(client, kind, ns, names, args)
        failed |= bool(errors)
        for message in errors:
            print(f"error: {message}", file=sys.stderr)
        resource_version = str((table.get("metadata") or {}).get("resourceVersion", ""))
        if not table.get("rows"):
            continue
        prefix = f"{qualified(kind)}/" if len(groups) > 1 else ""
        rows = table_rows(table, wide=args.output == "wide", with_namespace=kind.namespaced and ns is None,
                          name_prefix=prefix)
        if printed_any:
            print()
        widths = column_widths(rows)
        print("\n".join(align(rows, widths)), flush=True)
        printed_any = True
    if not printed_any and not failed and not (args.watch and len(groups) == 1 and groups[0][1]):
        print(_nothing_found(namespace, groups), file=sys.stderr, flush=True)
    if args.watch:
        kind, names = groups[0]
        ns = namespace if kind.namespaced else None
        await _watch_rows(client, kind, ns, names, resource_version, widths, args)
    return 1 if failed else 0


def _nothing_found(namespace: str | None, groups: list[tuple[KindInfo, list[str]]]) -> str:
    if namespace and any(kind.namespaced for kind, _ in groups):
        return f"No resources found in {namespace} namespace."
    return "No resources found"


async def _fetch_table(client: RestClient, kind: KindInfo, ns: str | None, names: list[str],
                       args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """One Table holding the asked-for rows (every object, or the named ones) and the errors."""
    if not names:
        doc = await client.list_all(kind, ns, label_selector=args.selector, field_selector=args.field_selector,
                                    page_size=args.chunk_size, accept=TABLE_ACCEPT)
        return (doc if is_table(doc) else _as_table(doc.get("items") or [], doc)), []
    merged: dict[str, Any] | None = None
    errors: list[str] = []
    for name in names:
        try:
            doc = await client.get(kind, name, ns, accept=TABLE_ACCEPT)
        except ApiError as exc:
            if exc.code != 404:
                raise
            errors.append(exc.message)
            continue
        table = doc if is_table(doc) else _as_table([doc], {})
        if merged is None:
            merged = table
        else:
            merged.setdefault("rows", []).extend(table.get("rows") or [])
    return merged or {"rows": []}, errors


def _as_table(items: list[dict[str, Any]], doc: dict[str, Any]) -> dict[str, Any]:
    table = list_as_table(items)
    table["metadata"] = doc.get("metadata") or {}
    return table


async def _watch_rows(client: RestClient, kind: KindInfo, ns: str | None, names: list[str],
                      resource_version: str, widths: list[int], args: argparse.Namespace) -> None:
    field_selector = args.field_selector
    if len(names) == 1:
        by_name = f"metadata.name={names[0]}"
        field_selector = f"{field_selector},{by_name}" if field_selector else by_name
    header = not widths
    async with _follow(client, kind, ns, resource_version, args.selector, field_selector, TABLE_ACCEPT) as stream:
        async for event_type, obj in stream:
            if event_type == "BOOKMARK":
                continue
            if names and len(names) > 1 and (obj.get("metadata") or {}).get("name") not in names \
                    and not is_table(obj):
                continue
            table = obj if is_table(obj) else list_as_table([obj])
            rows = table_rows(table, wide=args.output == "wide", with_namespace=kind.namespaced and ns is None,
                              header=header)
            header = False
            widths = [max(a, b) for a, b in zip(widths + [0] * 32, column_widths(rows), strict=False)]
            print("\n".join(align(rows, widths)), flush=True)


async def _print_objects(client: RestClient, groups: list[tuple[KindInfo, list[str]]], namespace: str | None,
                         args: argparse.Namespace) -> int:
    objects: list[tuple[KindInfo, dict[str, Any]]] = []
    resource_version = ""
    failed = False
    single = len(groups) == 1 and len(groups[0][1]) == 1
    for kind, names in groups:
        ns = namespace if kind.namespaced else None
        if names:
            for name in names:
                try:
                    obj = await client.get(kind, name, ns)
                    objects.append((kind, obj))
                    resource_version = str(obj["metadata"].get("resourceVersion", ""))
                except ApiError as exc:
                    if exc.code != 404:
                        raise
                    print(f"error: {exc.message}", file=sys.stderr)
                    failed = True
        else:
            doc = await client.list_all(kind, ns, label_selector=args.selector, field_selector=args.field_selector,
                                        page_size=args.chunk_size)
            objects.extend((kind, item) for item in doc.get("items") or [])
            resource_version = str((doc.get("metadata") or {}).get("resourceVersion", ""))
    if args.output == "name":
        for kind, obj in objects:
            print(name_line(kind, obj))
    elif objects or not single:
        print(render_objects([with_type(k, o) for k, o in objects], args.output, single))
    if args.watch:
        kind, names = groups[0]
        ns = namespace if kind.namespaced else None
        async with _follow(client, kind, ns, resource_version, args.selector, args.field_selector) as stream:
            async for event_type, obj in stream:
                if event_type == "BOOKMARK" or names and (obj.get("metadata") or {}).get("name") not in names:
                    continue
                text = name_line(kind, obj) if args.output == "name" else render_objects([obj], args.output, True)
                print(text if args.output != "yaml" else f"---\n{text}", flush=True)
    return 1 if failed else 0


@contextlib.asynccontextmanager
async def _follow(client: RestClient, kind: KindInfo, ns: str | None, resource_version: str,
                  label_selector: str | None, field_selector: str | None,
                  accept: str | None = None) -> AsyncIterator[AsyncIterator[Event]]:
    """The watch events from `resource_version` on, across reconnects (bookmarks keep it current)."""
    def open_watch(rv: str) -> WatchStream:
        return client.watch(kind, ns, resource_version=rv or None, label_selector=label_selector,
                            field_selector=field_selector, allow_bookmarks=True, accept=accept)

    watch = RetryWatch(open_watch, resource_version, outage=Outage(qualified(kind)))
    async with contextlib.aclosing(watch.events()) as events:
        yield events
