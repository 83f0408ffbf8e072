"""One log format for every daemon, so logs of all components read and grep alike.

    2026-11-27T02:00:00Z INFO scheduler: bound default/web-abc to node-1

UTC RFC 3339 time, the level, the logger name without the `kube.` prefix, the
message. One event is one line: newlines in a message are escaped and an
exception is summarised on the same line (its traceback only at -v 4 and up,
where a developer is reading).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

DEBUG_VERBOSITY = 4
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


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


def setup_logging(verbosity: int = 0, stream: TextIO | None = None) -> logging.Handler:
    """Route the root logger through one handler in the shared format (replacing earlier ones).

    -v 4 and above log DEBUG with tracebacks; below, INFO and one line per event."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(OneLineFormatter(tracebacks=verbosity >= DEBUG_VERBOSITY))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= DEBUG_VERBOSITY else logging.INFO)
    return handler
