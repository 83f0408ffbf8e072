"""Kinds as the CLI names and prints them: `deploy` -> Deployment, `deployment.apps/web`."""

from __future__ import annotations

from typing import Any

from kube.api.registry import KindInfo, by_api_version, resolve
from kube.cli.errors import CliError


def kind_from_arg(text: str) -> KindInfo:
    """What the user typed (plural, singular, short name, Kind, optionally `.group`)."""
    kind = resolve(text)
    if kind is None:
        raise CliError(f'the server doesn\'t have a resource type "{text}"')
    return kind


def kind_of(obj: dict[str, Any], source: str = "") -> KindInfo:
    """The kind of a manifest, from its apiVersion and kind."""
    api_version, kind_name = obj.get("apiVersion"), obj.get("kind")
    where = f' from "{source}"' if source else ""
    if not api_version or not kind_name:
        missing = "apiVersion" if not api_version else "kind"
        raise CliError(f"error validating data{where}: {missing} not set")
    kind = by_api_version(str(api_version), str(kind_name))
    if kind is None:
        name = (obj.get("metadata") or {}).get("name", "")
        raise CliError(f'resource mapping not found for name: "{name}"{where}: '
                       f'no matches for kind "{kind_name}" in version "{api_version}"')
    return kind


def qualified(kind: KindInfo) -> str:
    """`deployment.apps`, or `pod` for the core group: kubectl's resource/name prefix."""
    singular = kind.kind.lower()
    return f"{singular}.{kind.group}" if kind.group else singular


def ref(kind: KindInfo, name: str) -> str:
    """`deployment.apps/web`."""
    return f"{qualified(kind)}/{name}"


def quoted_ref(kind: KindInfo, name: str) -> str:
    """`deployment.apps "web"`: how kubectl reports a deletion."""
    return f'{qualified(kind)} "{name}"'


def plural_ref(kind: KindInfo, name: str) -> str:
    """`deployments.apps "web"`: how kubectl names an object in delete/not-found messages."""
    resource = f"{kind.plural}.{kind.group}" if kind.group else kind.plural
    return f'{resource} "{name}"'


def split_type_name(args: list[str]) -> list[tuple[KindInfo, str | None]]:
    """`KIND [NAME...]`, `KIND/NAME ...` or `KIND1,KIND2` into (kind, name) pairs (name None = all)."""
    if not args:
        raise CliError("you must specify the type of resource to get")
    if "/" in args[0]:
        pairs: list[tuple[KindInfo, str | None]] = []
        for arg in args:
            kind_text, sep, name = arg.partition("/")
            if not sep or not name:
                raise CliError(f"there is no need to specify a resource type as a separate argument "
                               f"when passing arguments in resource/name form (got {arg!r})")
            pairs.append((kind_from_arg(kind_text), name))
        return pairs
    kinds = [kind_from_arg(k) for k in args[0].split(",") if k]
    names = args[1:]
    if names and len(kinds) > 1:
        raise CliError("names can only be given with a single resource type")
    if not names:
        return [(k, None) for k in kinds]
    return [(kinds[0], n) for n in names]
