"""`kube apply -f FILE|DIR|-`: create or update objects from manifests, idempotently.

Client-side apply as kubectl does it: the manifest is stored in the
last-applied-configuration annotation; an existing object gets the three-way
strategic merge patch (see apply_patch.py), and nothing at all is sent when that
patch is empty ("unchanged"). `--server-side` sends an apply patch instead.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kube.api.registry import KindInfo
from kube.cli import manifests
from kube.cli.apply_patch import original_of, three_way_patch, with_last_applied
from kube.cli.connection import add_connection_flags, run
from kube.cli.errors import CliError, error_line
from kube.cli.kinds import kind_of, ref
from kube.client.errors import ApiError
from kube.client.rest import RestClient

FIELD_MANAGER = "kubectl-client-side-apply"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("apply", help="create or update objects from manifests")
    p.add_argument("-f", "--filename", action="append", required=True, metavar="FILE",
                   help="a file, a directory (read recursively) or - for stdin; repeatable")
    p.add_argument("--server-side", action="store_true", help="let the server merge (apply patch)")
    p.add_argument("--field-manager", default="", help="field manager name (server-side apply)")
    p.add_argument("--force-conflicts", action="store_true")
    p.add_argument("--dry-run", choices=["none", "server", "client"], default="none")
    p.add_argument("-o", "--output", choices=["name"], default=None)
    add_connection_flags(p)
    p.set_defaults(func=run(apply_command))


async def apply_command(args: argparse.Namespace, client: RestClient) -> int:
    objects = manifests.load(args.filename)
    if not objects:
        raise CliError("no objects passed to apply")
    failed = 0
    for manifest in objects:
        try:
            kind = kind_of(manifest.obj, manifest.source)
            namespace = target_namespace(kind, manifest.obj, args.namespace, client.namespace)
            name, verb = await apply_one(client, kind, manifest.obj, namespace, args)
        except Exception as exc:
            line = error_line(exc)
            if line is None:
                raise
            print(f"error: {line}", file=sys.stderr)
            failed += 1
            continue
        suffix = " (server dry run)" if args.dry_run == "server" else " (dry run)" if args.dry_run == "client" else ""
        print(ref(kind, name) if args.output == "name" else f"{ref(kind, name)} {verb}{suffix}")
    return 1 if failed else 0


def target_namespace(kind: KindInfo, obj: dict[str, Any], flag: str | None, default: str) -> str | None:
    """The manifest's namespace, else -n, else the context's; a clash with -n is an error (as kubectl)."""
    if not kind.namespaced:
        return None
    declared = (obj.get("metadata") or {}).get("namespace")
    if declared and flag and declared != flag:
        raise CliError(f'the namespace from the provided object "{declared}" does not match the namespace '
                       f'"{flag}". You must pass \'--namespace={declared}\' to perform this operation.')
    return str(declared or flag or default)


async def apply_one(client: RestClient, kind: KindInfo, obj: dict[str, Any], namespace: str | None,
                    args: argparse.Namespace) -> tuple[str, str]:
    """Apply one object; returns its name and what happened (created / configured / unchanged)."""
    name = (obj.get("metadata") or {}).get("name")
    if not name:
        raise CliError(f"error validating {kind.kind}: metadata.name is required")
    body = dict(obj)
    if namespace is not None:
        body["metadata"] = {**obj["metadata"], "namespace": namespace}
    if args.server_side:
        return name, await _server_side(client, kind, body, namespace, args)
    try:
        live = await client.get(kind, name, namespace)
    except ApiError as exc:
        if exc.code != 404:
            raise
        if args.dry_run != "client":
            await client.create(kind, with_last_applied(body), namespace, field_manager=FIELD_MANAGER,
                                dry_run=args.dry_run == "server")
        return name, "created"
    patch = three_way_patch(original_of(live), with_last_applied(body), live, kind.kind)
    if not patch:
        return name, "unchanged"
    if args.dry_run != "client":
        await client.patch(kind, name, patch, namespace, patch_type="strategic", field_manager=FIELD_MANAGER,
                           dry_run=args.dry_run == "server")
    return name, "configured"


async def _server_side(client: RestClient, kind: KindInfo, body: dict[str, Any], namespace: str | None,
                       args: argparse.Namespace) -> str:
    if args.dry_run != "client":
        await client.patch(kind, body["metadata"]["name"], body, namespace, patch_type="apply",
                           field_manager=args.field_manager or "kubectl", force=args.force_conflicts,
                           dry_run=args.dry_run == "server")
    return "serverside-applied"
