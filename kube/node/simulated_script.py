"""What a simulated container "runs": a tiny, honest reading of its command and args.

Nothing is executed. A container whose command is a shell script (`sh -c '...'`,
`/bin/sh -c`, `bash -c`) or a plain `sleep N` / `true` / `false` / `echo ...` is
read as a sequence of statements separated by `;`, `&&` or newlines:

    sleep N     N seconds pass (decimals allowed)
    echo TEXT   TEXT is a line of the container's log
    true        nothing
    false       the container exits 1 here
    exit N      the container exits N here

and the container terminates after the summed sleeps with that exit code (0 when the
script ends without `exit`). Anything else (an unknown command, a pipe, a variable)
means the script cannot be simulated: the container runs until deleted, as every
simulated container did before. That keeps Jobs testable on hollow nodes without
pretending to be a shell.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from kube.api.meta import Obj

SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/sh", "/usr/bin/bash", "ash", "/bin/ash"}
_SEPARATORS = re.compile(r"\s*(?:;|&&|\n)\s*")
_UNSUPPORTED = re.compile(r"[|$`<>(){}]|\|\|")


@dataclass(frozen=True)
class Run:
    """How a simulated container ends: after `seconds`, with `exit_code`, having written `output`."""

    seconds: float
    exit_code: int
    output: tuple[str, ...] = field(default=())


def _words(container: Obj) -> list[str]:
    words = [*(container.get("command") or []), *(container.get("args") or [])]
    return [w for w in words if isinstance(w, str)]


def _statements(words: list[str]) -> list[str] | None:
    if not words:
        return None
    if words[0] in SHELLS:
        if len(words) >= 3 and words[1] == "-c":
            return [s for s in _SEPARATORS.split(words[2].strip()) if s]
        return None
    return [shlex.join(words)]


def scripted_run(container: Obj) -> Run | None:
    """The container's run when its command can be simulated, else None (it runs until deleted)."""
    statements = _statements(_words(container))
    if statements is None:
        return None
    seconds, output = 0.0, []
    for statement in statements:
        if _UNSUPPORTED.search(statement):
            return None
        try:
            parts = shlex.split(statement)
        except ValueError:
            return None
        if not parts:
            continue
        verb, rest = parts[0], parts[1:]
        if verb == "sleep" and len(rest) == 1:
            try:
                seconds += max(float(rest[0].rstrip("s")), 0.0)
            except ValueError:
                return None
        elif verb == "echo":
            output.append(" ".join(rest))
        elif verb == "true" and not rest:
            continue
        elif verb == "false" and not rest:
            return Run(seconds, 1, tuple(output))
        elif verb == "exit" and len(rest) <= 1:
            code = rest[0] if rest else "0"
            if not code.isdigit():
                return None
            return Run(seconds, int(code) % 256, tuple(output))
        else:
            return None
    return Run(seconds, 0, tuple(output))
