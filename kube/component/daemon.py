"""One way to run a daemon: its event loop, its signals, its exit (sample-controller's pkg/signals).

    def run(args):                       # the subcommand's func
        ...validate flags, raise UsageError...
        return run_daemon(args, lambda stop: serve(args, stop))

`run_daemon` sets up logging from the shared flags, runs `main(stop)` on a uvloop
event loop (uvloop is a hard dependency: every daemon runs on it), and sets
`stop` on SIGTERM or SIGINT so `main` shuts down in order (release the Lease,
drain bindings, close the client) and returns. Its exit is one line:

- `UsageError`, a bad kubeconfig (`ConfigError`), an `OSError` (a port in use, a
  missing certificate) or one of the daemon's own `user_errors`: `error: ...`, exit 1;
- any other exception escaping `main`: a bug, `error: internal error: ...`, exit 1
  (the traceback is logged at -v 4, or re-raised with KUBE_TRACEBACK=1).

A daemon whose work crashed therefore exits instead of living on deaf with its
health server still answering.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable

import uvloop

from kube.client.errors import ConfigError
from kube.component.errors import UsageError
from kube.component.logs import logging_to_file, setup_logging_from

log = logging.getLogger("kube.component.daemon")
DaemonMain = Callable[[asyncio.Event], Awaitable[int | None]]
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def run_daemon(args: argparse.Namespace, main: DaemonMain, *,
               user_errors: tuple[type[BaseException], ...] = ()) -> int:
    """Run main(stop) until it returns; the exit code is its result (None: 0) or 1 after one error line."""
    try:
        setup_logging_from(args)
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return int(runner.run(_with_signals(main)) or 0)
    except (UsageError, ConfigError, OSError, *user_errors) as exc:
        return _fail(_one_line(exc))
    except Exception as exc:
        if os.environ.get("KUBE_TRACEBACK"):
            raise
        log.debug("the daemon failed", exc_info=exc)
        return _fail(f"internal error: {type(exc).__name__}: {_one_line(exc)}")


async def _with_signals(main: DaemonMain) -> int | None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = STOP_SIGNALS if threading.current_thread() is threading.main_thread() else ()  # tests in a thread
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        return await main(stop)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        text = f"{exc.filename}: {exc.strerror}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def _fail(line: str) -> int:
    if logging_to_file():  # the log file should say why the daemon ended, not only its stderr
        log.error("exiting: %s", line)
    print(f"error: {line}", file=sys.stderr)
    return 1
