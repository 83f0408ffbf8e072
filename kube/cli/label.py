"""`kube label KIND NAME... key=value key- [--overwrite]`: a merge patch on metadata.labels,
sent as kubectl's `kubectl-label` field manager."""

from __future__ import annotations

import argparse
import re
from typing import Any

from kube.cli.connection import add_connection_flags, run
from kube.cli.errors import CliError
from kube.cli.kinds import kind_from_arg, ref
from kube.client.rest import RestClient

# a qualified name with an optional DNS prefix, as label keys are
_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("label", help="set or remove labels")
    p.add_argument("args", nargs="+", metavar="KIND NAME... KEY=VALUE... KEY-...")
    p.add_argument("--overwrite", action="store_true", help="allow replacing existing values")
    p.add_argument("-l", "--selector", default=None, help="label every object matching the selector")
    p.add_argument("--all", action="store_true")
    add_connection_flags(p)
    p.set_defaults(func=run(label_command))


def parse_changes(tokens: list[str]) -> tuple[dict[str, str], list[str]]:
    """`k=v` to set and `k-` to remove; anything else is an error."""
    sets: dict[str, str] = {}
    removes: list[str] = []
    for token in tokens:
        if "=" in token:
            key, _, value = token.partition("=")
            if not _KEY.match(key) or len(key.rpartition("/")[2]) > 63:
                raise CliError(f"invalid label key {key!r}")
            if not _VALUE.match(value) or len(value) > 63:
                raise CliError(f"invalid label value: {token!r}: a valid label must be an empty string or "
                               "consist of alphanumeric characters, '-', '_' or '.', at most 63 characters")
            sets[key] = value
        elif token.endswith("-"):
            removes.append(token[:-1])
        else:
            raise CliError(f"at least one label update is required (got {token!r})")
    clash = set(sets) & set(removes)
    if clash:
        raise CliError(f"can not both modify and remove a label in the same command: {', '.join(sorted(clash))}")
    return sets, removes


def _split(args: list[str]) -> tuple[list[str], list[str]]:
    """Resource words first, then label changes (the first word with '=' or ending in '-')."""
    for i, word in enumerate(args):
        if i > 0 and ("=" in word or word.endswith("-")):
            return args[:i], args[i:]
    return args, []


async def label_command(args: argparse.Namespace, client: RestClient) -> int:
    resources, tokens = _split(args.args)
    if not tokens:
        raise CliError("at least one label update is required")
    sets, removes = parse_changes(tokens)
    if "/" in resources[0]:
        targets = [(kind_from_arg(r.partition("/")[0]), r.partition("/")[2]) for r in resources]
    else:
        kind = kind_from_arg(resources[0])
        names = resources[1:]
        if not names and (args.selector or args.all):
            ns = (args.namespace or client.namespace) if kind.namespaced else None
            doc = await client.list_all(kind, ns, label_selector=args.selector)
            names = [item["metadata"]["name"] for item in doc.get("items") or []]
        elif not names:
            raise CliError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
        targets = [(kind, n) for n in names]
    for kind, name in targets:
        ns = (args.namespace or client.namespace) if kind.namespaced else None
        live = await client.get(kind, name, ns)
        current: dict[str, Any] = (live.get("metadata") or {}).get("labels") or {}
        if not args.overwrite:
            for key, value in sets.items():
                if key in current and current[key] != value:
                    raise CliError(f"'{key}' already has a value ({current[key]}), and --overwrite is false")
        patch_labels: dict[str, Any] = {k: v for k, v in sets.items() if current.get(k) != v}
        patch_labels.update({k: None for k in removes if k in current})
        if not patch_labels:
            print(f"{ref(kind, name)} not labeled")
            continue
        await client.patch(kind, name, {"metadata": {"labels": patch_labels}}, ns, patch_type="merge",
                           field_manager="kubectl-label")
        print(f"{ref(kind, name)} {'unlabeled' if not sets else 'labeled'}")
    return 0
