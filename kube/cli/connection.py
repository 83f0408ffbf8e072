"""The flags every client command shares, and running a command's coroutine with a client.

Errors from the client (Status, unreachable server, bad kubeconfig) become one
`error: ...` line and exit code 1 here, so no command prints a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from kube.cli.errors import CliError, error_line
from kube.client.errors import ConfigError
from kube.client.kubeconfig import ClientConfig
from kube.client.rest import RestClient
from kube.client.transport import RetryPolicy

Command = Callable[[argparse.Namespace, RestClient], Awaitable[int]]


def add_connection_flags(parser: argparse.ArgumentParser) -> None:
    """The shared flags; also lets flags and positionals mix (`label deploy web -n shop k=v`), as kubectl."""
    allow_intermixed(parser)
    group = parser.add_argument_group("connection")
    group.add_argument("--kubeconfig", default=None,
                       help="kubeconfig file (default: $KUBECONFIG, .cluster/kubeconfig, ~/.kube/config)")
    group.add_argument("--context", default=None, help="the kubeconfig context to use")
    group.add_argument("--api-servers", "--server", "-s", dest="api_servers", default="",
                       help="API server URLs (comma-separated), overriding the kubeconfig's server")
    group.add_argument("-n", "--namespace", default=None, help="namespace (default: the context's)")
    group.add_argument("--request-timeout", type=float, default=60.0, help="seconds per request")


def allow_intermixed(parser: argparse.ArgumentParser) -> None:
    """Make the subcommand parser accept options between positionals.

    argparse stops a positional list at the first option; kubectl users put -n anywhere.
    The subparsers action calls `parse_known_args` on this parser, so that one call is
    routed through `parse_known_intermixed_args` (whose own inner calls go to the original)."""
    original = parser.parse_known_args
    busy = False

    def parse_known_args(args: list[str] | None = None, namespace: argparse.Namespace | None = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        nonlocal busy
        if busy:
            return original(args, namespace)
        busy = True
        try:
            return parser.parse_known_intermixed_args(args, namespace)
        finally:
            busy = False

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


def make_client(args: argparse.Namespace) -> RestClient:
    servers = [s.strip() for s in (args.api_servers or "").split(",") if s.strip()]
    options = dict(retry=RetryPolicy(max_retries=3, connect_rounds=1), timeout=args.request_timeout or 60.0,
                   user_agent="kube-cli")
    try:
        client = RestClient.from_kubeconfig(args.kubeconfig, args.context, servers or None, **options)
    except ConfigError:
        if not servers or args.kubeconfig or args.context:
            raise
        client = RestClient(ClientConfig(servers=servers), **options)  # no kubeconfig: --api-servers alone
    if args.namespace:
        client.config.namespace = args.namespace
    return client


def run(command: Command) -> Callable[[argparse.Namespace], int]:
    """Wrap an async command into the `func` main.py calls."""

    def func(args: argparse.Namespace) -> int:
        try:
            return asyncio.run(_with_client(command, args))
        except KeyboardInterrupt:
            return 130
        except Exception as exc:
            line = error_line(exc)
            if line is None:  # a bug, but still one line: the rule is no tracebacks for users
                line = f"internal error: {type(exc).__name__}: {exc}"
            raise CliError(line) from None

    return func


async def _with_client(command: Command, args: argparse.Namespace) -> int:
    client = make_client(args)
    try:
        return await command(args, client)
    except asyncio.CancelledError:
        return 130
    finally:
        await client.close()
