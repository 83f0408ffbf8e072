"""The flags every daemon shares, registered by one function each so they are spelled alike.

    add_daemon_flags      --version, -v/--v, --log-file*, and (for API clients) --kubeconfig, --api-servers
    add_serving_flags     --bind-address and the health/metrics (or serving) port
    add_leader_election_flags (kube/component/leadership.py)

Each daemon keeps its historical port flag and default (the scheduler's 0, the
controller manager's 10257, the proxy's 10256, the API server's --secure-port
6443), passed in here, so `kube up` and operators' units keep working.
"""

from __future__ import annotations

import argparse

from kube import __version__
from kube.client.rest import RestClient
from kube.component.logs import add_log_flags

Parser = argparse.ArgumentParser | argparse._ArgumentGroup


def add_daemon_flags(parser: Parser, name: str, *, connects: bool = True, verbosity: int = 0) -> None:
    """`--version` (`kube NAME VERSION`), the log flags and, when the daemon is an API client
    (connects), `--kubeconfig` and `--api-servers URL,...` (overriding the kubeconfig's server)."""
    parser.add_argument("--version", action="version", version=f"kube {name} {__version__}")
    add_log_flags(parser, verbosity)
    if connects:
        parser.add_argument("--kubeconfig", default=None, help="kubeconfig with the API server and credentials")
        parser.add_argument("--api-servers", default="", metavar="URL,...",
                            help="comma-separated API server URLs (override the kubeconfig's; failed over in order)")


def api_servers(args: argparse.Namespace) -> list[str] | None:
    """The --api-servers list, or None to use the kubeconfig's server."""
    return [s.strip() for s in (args.api_servers or "").split(",") if s.strip()] or None


def client_from_flags(args: argparse.Namespace, user_agent: str) -> RestClient:
    """The REST client --kubeconfig and --api-servers describe (ConfigError when the kubeconfig is bad)."""
    return RestClient.from_kubeconfig(args.kubeconfig, api_servers=api_servers(args), user_agent=user_agent)


def port_number(text: str) -> int:
    """argparse `type=` for a TCP port, 0 (off) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: must be 0-65535")
    return port


def add_serving_flags(parser: Parser, *, bind_address: str = "127.0.0.1", port: int | None = None,
                      port_flag: str = "--port", port_help: str = "plain-HTTP /healthz and /metrics (0: off)",
                      bind_help: str = "") -> None:
    """`--bind-address` and, unless port is None, the daemon's own port flag with its default."""
    parser.add_argument("--bind-address", default=bind_address,
                        help=bind_help or f"address to serve on (default {bind_address})")
    if port is not None:
        parser.add_argument(port_flag, type=port_number, default=port, metavar="PORT", help=port_help)
