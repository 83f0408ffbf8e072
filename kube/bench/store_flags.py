"""`--store sqlite|etcd` and `--etcd-members N`, as every benchmark that starts its own API
server takes them: one definition, one validation, one way to start the etcd members."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kube.local.etcd_members import EtcdCluster, start_etcd_cluster


def odd_positive_int(text: str) -> int:
    """An argparse type: etcd's cluster size, odd so a majority survives a lost member."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid etcd cluster size: {text!r}") from None
    if value <= 0 or value % 2 == 0:
        raise argparse.ArgumentTypeError(f"must be a positive odd number: {text!r}")
    return value


def add_store_arguments(parser: Any) -> None:
    parser.add_argument("--store", choices=("sqlite", "etcd"), default="sqlite")
    parser.add_argument("--etcd-members", type=odd_positive_int, default=None,
                        help="--store etcd: members started on loopback (odd; default 1)")


def etcd_members(args: argparse.Namespace) -> int:
    """The members to start: 0 for SQLite; a size given without --store etcd is a CLI error."""
    from kube.cli.main import CliError

    if args.store != "etcd":
        if args.etcd_members is not None:
            raise CliError("--etcd-members needs --store etcd")
        return 0
    return args.etcd_members or 1


def start_etcd(directory: Path, members: int) -> EtcdCluster:
    """The members, healthy; a missing binary or a failed start is a one-line CLI error."""
    from kube.cli.main import CliError
    from kube.local.etcd_members import EtcdUnavailable

    try:
        return start_etcd_cluster(directory, members)
    except EtcdUnavailable as exc:
        raise CliError(f"--store etcd: {str(exc).splitlines()[0]}") from None
