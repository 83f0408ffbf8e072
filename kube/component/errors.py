"""The one user-facing error of every command and daemon.

A `UsageError` is something the operator can fix (a bad flag, a missing file, an
unreachable server named on the command line): it is printed as one
`error: ...` line and the process exits non-zero, never with a traceback. A
bug is any other exception; `run_daemon` still reports it in one line, but as
an internal error (kube/component/daemon.py).
"""

from __future__ import annotations


class UsageError(Exception):
    """A user-facing error: printed as one `error: ...` line, exit code 1."""
