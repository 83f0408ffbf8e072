"""`kube delete (-f FILE | KIND NAME... | KIND -l SELECTOR | KIND --all)`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from kube.api.registry import KindInfo
from kube.cli import manifests
from kube.cli.connection import add_connection_flags, run
from kube.cli.errors import CliError
from kube.cli.kinds import kind_of, plural_ref, quoted_ref, split_type_name
from kube.client.errors import ApiError
from kube.client.rest import RestClient

CASCADE = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan",
           "true": "Background", "false": "Orphan"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("delete", help="delete objects by file, name, selector or all")
    p.add_argument("resources", nargs="*", metavar="KIND NAME")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="FILE")
    p.add_argument("-l", "--selector", default=None)
    p.add_argument("--all", action="store_true", help="every object of the kind in the namespace")
    p.add_argument("--cascade", default="background", type=str.lower, choices=sorted(CASCADE))
    p.add_argument("--grace-period", type=int, default=-1, help="seconds; -1 keeps the object's own")
    p.add_argument("--now", action="store_true", help="same as --grace-period=1")
    p.add_argument("--force", action="store_true", help="with --grace-period=0: delete at once")
    p.add_argument("--wait", nargs="?", const="true", default="false", choices=["true", "false"],
                   help="wait until the objects are gone")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait with --wait")
    p.add_argument("--ignore-not-found", action="store_true")
    add_connection_flags(p)
    p.set_defaults(func=run(delete_command))


async def delete_command(args: argparse.Namespace, client: RestClient) -> int:
    targets = await _targets(args, client)
    grace = 1 if args.now else (args.grace_period if args.grace_period >= 0 else None)
    failed = False
    deleted: list[tuple[KindInfo, str, str | None]] = []
    for kind, name, ns in targets:
        try:
            await client.delete(kind, name, ns, propagation_policy=CASCADE[args.cascade], grace_period_seconds=grace)
        except ApiError as exc:
            if exc.code == 404 and args.ignore_not_found:
                continue
            print(f"error: {exc.message}", file=sys.stderr)
            failed = True
            continue
        print(f"{quoted_ref(kind, name)} deleted", flush=True)
        deleted.append((kind, name, ns))
    if args.wait == "true" and deleted:
        await _wait_gone(client, deleted, args.timeout)
    return 1 if failed else 0


async def _targets(args: argparse.Namespace, client: RestClient) -> list[tuple[KindInfo, str, str | None]]:
    namespace = args.namespace or client.namespace
    if args.filename:
        if args.resources:
            raise CliError("give either -f FILE or KIND NAME, not both")
        out = []
        for manifest in manifests.load(args.filename):
            kind = kind_of(manifest.obj, manifest.source)
            name = (manifest.obj.get("metadata") or {}).get("name", "")
            ns = ((manifest.obj.get("metadata") or {}).get("namespace") or namespace) if kind.namespaced else None
            out.append((kind, name, ns))
        return out
    if not args.resources:
        raise CliError("you must provide one or more resources by argument or filename")
    pairs = split_type_name(args.resources)
    named = [(k, n) for k, n in pairs if n]
    if named:
        if args.all or args.selector:
            raise CliError("names cannot be combined with --all or -l")
        return [(k, n, namespace if k.namespaced else None) for k, n in named]
    if not (args.all or args.selector):
        raise CliError("resource(s) were provided, but no name was specified: give names, -l SELECTOR or --all")
    out = []
    for kind, _ in pairs:
        ns = namespace if kind.namespaced else None
        doc = await client.list_all(kind, ns, label_selector=args.selector)
        out += [(kind, item["metadata"]["name"], ns) for item in doc.get("items") or []]
    return out


async def _wait_gone(client: RestClient, targets: list[tuple[KindInfo, str, str | None]], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = list(targets)
    while pending:
        still = []
        for kind, name, ns in pending:
            try:
                await client.get(kind, name, ns)
                still.append((kind, name, ns))
            except ApiError as exc:
                if exc.code != 404:
                    raise
        pending = still
        if not pending:
            return
        if loop.time() > deadline:
            names = ", ".join(plural_ref(k, n) for k, n, _ in pending)
            raise CliError(f"timed out waiting for the deletion of {names}")
        await asyncio.sleep(0.2)
