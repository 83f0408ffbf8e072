"""`kube token create|list|delete`: bootstrap tokens, as `kubeadm token` manages them.

`create [TOKEN] [--ttl 24h] [--usages signing,authentication] [--groups G,...] [--description D]`
writes the kube-system Secret bootstrap-token-<id> and prints `<id>.<secret>`; a --ttl of 0
never expires. `list` prints kubeadm's table; `delete ID|TOKEN...` removes them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from kube.api import bootstrap_token as bt
from kube.api.registry import by_gvk
from kube.cli.connection import add_connection_flags, run
from kube.cli.errors import CliError
from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.component.duration import duration_flag

SECRET = by_gvk("", "v1", "Secret")
assert SECRET is not None
HEADERS = ("TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("token", help="manage bootstrap tokens (create, list, delete), as kubeadm token")
    verbs = p.add_subparsers(dest="token_command", metavar="create|list|delete", required=True)
    create = verbs.add_parser("create", help="create a bootstrap token and print it")
    create.add_argument("token", nargs="?", default="", help="the token to use (default: a random one)")
    create.add_argument("--ttl", type=duration_flag, default=24 * 3600.0, metavar="DURATION",
                        help="how long until it expires (0: never), default 24h")
    create.add_argument("--usages", default="signing,authentication",
                        help=f"comma list of {', '.join(bt.USAGES)}")
    create.add_argument("--groups", default=bt.DEFAULT_GROUP,
                        help="extra groups it authenticates as (system:bootstrappers:...)")
    create.add_argument("--description", default="", help="a human-friendly description")
    add_connection_flags(create)
    create.set_defaults(func=checked_first(check_create, run(create_command)))
    listing = verbs.add_parser("list", help="list the bootstrap tokens")
    add_connection_flags(listing)
    listing.set_defaults(func=run(list_command))
    delete = verbs.add_parser("delete", help="delete bootstrap tokens by id or whole token")
    delete.add_argument("tokens", nargs="+", metavar="ID|TOKEN")
    add_connection_flags(delete)
    delete.set_defaults(func=checked_first(check_delete, run(delete_command)))


def checked_first(check: Callable[[argparse.Namespace], None],
                  func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Bad input is one line before any kubeconfig is read or server asked."""

    def checked(args: argparse.Namespace) -> int:
        check(args)
        return func(args)

    return checked


def check_create(args: argparse.Namespace) -> None:
    if args.token and bt.parse_token(args.token) is None:
        raise CliError(f"the token {args.token!r} does not match the pattern {bt.TOKEN.pattern}")
    parse_groups(args.groups, parse_usages(args.usages))


def token_id_of(given: str) -> str:
    parsed = bt.parse_token(given)
    token_id = parsed[0] if parsed else given
    if not bt.TOKEN_ID.match(token_id):
        raise CliError(f'given token didn\'t match pattern "{bt.TOKEN_ID.pattern}" or "{bt.TOKEN.pattern}"')
    return token_id


def check_delete(args: argparse.Namespace) -> None:
    for given in args.tokens:
        token_id_of(given)


def parse_usages(text: str) -> list[str]:
    usages = [u.strip() for u in text.split(",") if u.strip()]
    for usage in usages:
        if usage not in bt.USAGES:
            raise CliError(f"invalid bootstrap token usage string: {usage}, valid usage options: "
                           f"{', '.join(bt.USAGES)}")
    return sorted(set(usages))


def parse_groups(text: str, usages: list[str]) -> list[str]:
    groups = [g.strip() for g in text.split(",") if g.strip()]
    for group in groups:
        if not bt.EXTRA_GROUP.match(group):
            raise CliError(f"--groups: bootstrap group {group!r} is invalid (must match {bt.EXTRA_GROUP.pattern})")
    if groups and "authentication" not in usages:
        raise CliError('token groups cannot be specified unless --usages includes "authentication"')
    return groups


async def create_command(args: argparse.Namespace, client: RestClient) -> int:
    token = args.token or bt.generate_token()
    usages = parse_usages(args.usages)
    groups = parse_groups(args.groups, usages)
    expiration = datetime.now(UTC) + timedelta(seconds=args.ttl) if args.ttl else None
    await client.create(SECRET, bt.token_secret(token, usages, groups, args.description, expiration), bt.NAMESPACE)
    print(token)
    return 0


def short_duration(seconds: float) -> str:
    """Kubernetes' duration.ShortHumanDuration, as kubeadm's TTL column shows it."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    secs = int(seconds)
    for unit, size, limit in (("s", 1, 60), ("m", 60, 3600), ("h", 3600, 86400), ("d", 86400, 86400 * 365)):
        if secs < limit:
            return f"{secs // size}{unit}"
    return f"{secs // (86400 * 365)}y"


def token_row(secret: dict, now: datetime) -> list[str] | None:
    """One line of `kube token list`; None for a Secret that holds no valid token."""
    data = bt.data_of(secret)
    token = f"{data.get(bt.ID_KEY, '')}.{data.get(bt.SECRET_KEY, '')}"
    if bt.parse_token(token) is None:
        return None
    try:
        expires = bt.expiration_of(data)
    except ValueError:
        return None
    ttl = "<forever>" if expires is None else short_duration((expires - now).total_seconds())
    groups = bt.groups_of(data)
    extra = [g for g in groups or [] if g != bt.GROUP]
    return [token, ttl, "<never>" if expires is None else bt.rfc3339(expires),
            ",".join(bt.usages_of(data)) or "<none>", data.get(bt.DESCRIPTION_KEY) or "<none>",
            ",".join(extra) or "<none>"]


def table(rows: list[list[str]]) -> str:
    """kubeadm's tabwriter: columns at least 10 wide, padded by 3, the last one bare."""
    lines = [list(HEADERS), *rows]
    widths = [max(10, max(len(line[i]) for line in lines) + 3) for i in range(len(HEADERS) - 1)]
    return "\n".join("".join(c.ljust(w) for c, w in zip(line, widths, strict=False)) + line[-1] for line in lines)


async def list_command(args: argparse.Namespace, client: RestClient) -> int:
    secrets = await client.list_all(SECRET, bt.NAMESPACE)
    now = datetime.now(UTC)
    rows = [row for s in secrets.get("items") or [] if s.get("type") == bt.SECRET_TYPE
            and (row := token_row(s, now)) is not None]
    print(table(rows))
    return 0


async def delete_command(args: argparse.Namespace, client: RestClient) -> int:
    for given in args.tokens:
        token_id = token_id_of(given)
        try:
            await client.delete(SECRET, bt.secret_name(token_id), bt.NAMESPACE)
        except ApiError as exc:
            raise CliError(f"failed to delete bootstrap token {token_id!r}: {exc.message}") from None
        print(f'bootstrap token "{token_id}" deleted')
    return 0
