"""Boolean flags spelled every way Kubernetes operators write them.

Kubernetes' components take `--leader-elect`, `--leader-elect=true` and
`--leader-elect=false`; Python habit adds `--no-leader-elect`. Every daemon
registers its booleans through `add_bool_flag` so all four spellings work on
all of them and the parsed value is always a real `bool`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

TRUE_WORDS = frozenset({"true", "t", "1", "yes"})
FALSE_WORDS = frozenset({"false", "f", "0", "no"})


def parse_bool(text: str) -> bool:
    """`true`/`false` (and Go's strconv.ParseBool spellings), case-insensitive."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise argparse.ArgumentTypeError(f"invalid boolean {text!r} (use true or false)")


class _BoolAction(argparse.Action):
    """`--x` and `--x=VALUE` set the parsed value; `--no-x` sets False."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        if option_string is not None and option_string.startswith("--no-"):
            setattr(namespace, self.dest, False)
        else:
            setattr(namespace, self.dest, True if values is None else values)


def add_bool_flag(parser: argparse.ArgumentParser | argparse._ArgumentGroup, name: str, default: bool,
                  help: str | None = None) -> None:
    """Register `--name[=true|false]` and `--no-name`; `name` is given without dashes."""
    parser.add_argument(f"--{name}", nargs="?", type=parse_bool, default=default, metavar="true|false",
                        action=_BoolAction, help=help)
    parser.add_argument(f"--no-{name}", dest=name.replace("-", "_"), nargs=0, action=_BoolAction,
                        help=argparse.SUPPRESS)
