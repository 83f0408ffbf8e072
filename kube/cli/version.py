"""`kube version`: the version, the Python and which `_fast` engine is active."""

from __future__ import annotations

import argparse
import json
import platform


def info() -> dict[str, str]:
    from kube import __version__
    from kube._fast import ENGINE

    try:
        import Cython

        cython_version = Cython.__version__
    except ImportError:
        cython_version = "none"
    return {
        "version": __version__,
        "engine": ENGINE,
        "python": platform.python_version(),
        "cython": cython_version,
        "platform": f"{platform.system().lower()}/{platform.machine()}",
    }


def run(args: argparse.Namespace) -> int:
    data = info()
    if args.output == "json":
        print(json.dumps(data))
    else:
        print(f"kube {data['version']} (engine: {data['engine']}, python {data['python']}, "
              f"cython {data['cython']}, {data['platform']})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("version", help="print the version and the active engine")
    p.add_argument("-o", "--output", choices=["text", "json"], default="text")
    p.set_defaults(func=run)
