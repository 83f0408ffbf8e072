"""The one `kube` command; each subcommand lives in its own module.

A subcommand module exposes `register(subparsers)` which adds its parser and
sets `func` (a callable taking the parsed args and returning an exit code).
Modules are imported only when named, so `kube get` does not pay for the
scheduler's imports.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from kube import __version__
from kube.cli.global_flags import HELP_EPILOG, move_global_flags
from kube.component.errors import UsageError

# subcommand -> module that registers it
COMMANDS: dict[str, str] = {
    "version": "kube.cli.version",
    "apiserver": "kube.apiserver.command",
    "scheduler": "kube.scheduler.command",
    "controller-manager": "kube.controllers.command",
    "node": "kube.node.command",
    "proxy": "kube.proxy.command",
    "dns": "kube.dns.command",
    "certs": "kube.apiserver.certs_command",
    "up": "kube.local.up_command",
    "down": "kube.local.down_command",
    "apply": "kube.cli.apply",
    "get": "kube.cli.get",
    "describe": "kube.cli.describe",
    "delete": "kube.cli.delete",
    "label": "kube.cli.label",
    "token": "kube.cli.token",
    "bench": "kube.bench.command",
    "images": "kube.node.images_command",
}


CliError = UsageError  # the CLI's name for the one user-facing error (kube/component/errors.py)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one clear line, exit 2, as kubectl does
        self.exit(2, f"error: {message}\n")


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = _Parser(prog="kube", description="A Kubernetes-style container cluster.", epilog=HELP_EPILOG)
    parser.add_argument("--version", action="version", version=f"kube {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    wanted = argv[0] if argv and argv[0] in COMMANDS else None
    for name, module in COMMANDS.items():
        if wanted is not None and name != wanted:
            sub.add_parser(name)
            continue
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = move_global_flags(list(sys.argv[1:] if argv is None else argv), COMMANDS)
    try:
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        func = getattr(args, "func", None)
        if func is None:
            parser.print_help()
            return 0 if not argv else 2
        return int(func(args) or 0)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last net: users get one line; KUBE_TRACEBACK=1 shows the bug's traceback
        if os.environ.get("KUBE_TRACEBACK"):
            raise
        detail = str(exc) if isinstance(exc, OSError) else f"internal error: {type(exc).__name__}: {exc}"
        print(f"error: {' '.join(detail.split())}", file=sys.stderr)
        return 1
