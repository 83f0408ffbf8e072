"""One log format for every daemon, so logs of all components read and grep alike.

    2026-11-27T02:00:00Z INFO scheduler: bound default/web-abc to node-1

UTC RFC 3339 time, the level, the logger name without the `kube.` prefix, the
message. One event is one line: newlines in a message are escaped and an
exception is summarised on the same line (its traceback only at -v 4 and up,
where a developer is reading).

Lines go to stderr, or with `--log-file PATH` to that file, rotated by size
(`--log-file-max-size` MB, keeping `--log-files-kept` old files) as klog's
`--log-file`/`--log-file-max-size` do, so a long-running `kube up` cannot fill
the disk. Rotation is the standard library's RotatingFileHandler.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import sys
import time
from typing import TextIO

DEBUG_VERBOSITY = 4
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DEFAULT_MAX_SIZE_MB = 100.0
DEFAULT_FILES_KEPT = 5
MEGABYTE = 1024 * 1024


class OneLineFormatter(logging.Formatter):
    """`TIME LEVEL name: message`, always one line unless tracebacks were asked for."""

    converter = time.gmtime

    def __init__(self, tracebacks: bool = False) -> None:
        super().__init__(fmt="%(asctime)s %(levelname)s %(component)s: %(message)s", datefmt=TIME_FORMAT)
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        record.component = record.name.removeprefix("kube.")
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None and not self.tracebacks:
            exc = record.exc_info[1]
            message = f"{message}: {type(exc).__name__}: {exc}"
        line = f"{self.formatTime(record, self.datefmt)} {record.levelname} {record.component}: " \
               + message.replace("\n", "\\n")
        if self.tracebacks and record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(verbosity: int = 0, stream: TextIO | None = None, *, log_file: str | None = None,
                  max_size_mb: float = DEFAULT_MAX_SIZE_MB, files_kept: int = DEFAULT_FILES_KEPT) -> logging.Handler:
    """Route the root logger through one handler in the shared format (replacing earlier ones).

    -v 4 and above log DEBUG with tracebacks; below, INFO and one line per event. With log_file the
    lines go to that file, rolled over past max_size_mb (0: never) into PATH.1 .. PATH.<files_kept>.
    An unwritable log file raises OSError before any handler is replaced."""
    handler: logging.Handler
    if log_file:
        handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=int(max_size_mb * MEGABYTE),
                                                       backupCount=files_kept, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(OneLineFormatter(tracebacks=verbosity >= DEBUG_VERBOSITY))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if isinstance(old, logging.FileHandler):
            old.close()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= DEBUG_VERBOSITY else logging.INFO)
    return handler


def logging_to_file() -> bool:
    """True when the root logger writes to a file (so a fatal error should be written there too)."""
    return any(isinstance(h, logging.FileHandler) for h in logging.getLogger().handlers)


def _size_mb(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid size {text!r} (megabytes, e.g. 100)") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: must not be negative")
    return value


def _files_kept(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: keep at least 1 old file")
    return value


def add_log_flags(parser: argparse.ArgumentParser | argparse._ArgumentGroup, verbosity: int = 0) -> None:
    """`-v/--v N`, `--log-file PATH`, `--log-file-max-size MB`, `--log-files-kept N` (klog's names)."""
    parser.add_argument("-v", "--v", dest="v", type=int, default=verbosity,
                        help=f"log verbosity (2: a line per action, {DEBUG_VERBOSITY}: debug with tracebacks)")
    parser.add_argument("--log-file", default="", metavar="PATH", help="log to this file instead of stderr")
    parser.add_argument("--log-file-max-size", type=_size_mb, default=DEFAULT_MAX_SIZE_MB, metavar="MB",
                        help=f"rotate --log-file past this size (0: never; default {DEFAULT_MAX_SIZE_MB:g})")
    parser.add_argument("--log-files-kept", type=_files_kept, default=DEFAULT_FILES_KEPT, metavar="N",
                        help=f"rotated log files kept beside --log-file (default {DEFAULT_FILES_KEPT})")


def setup_logging_from(args: argparse.Namespace) -> logging.Handler:
    """setup_logging from the flags add_log_flags registered."""
    return setup_logging(args.v, log_file=args.log_file or None, max_size_mb=args.log_file_max_size,
                         files_kept=args.log_files_kept)
