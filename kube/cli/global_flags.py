"""kubectl's habit of connection flags before the verb: `kube -n shop --kubeconfig K get pods`.

Every verb parser defines these flags itself (kube/cli/connection.py), so instead
of a second definition on the top-level parser, flags found before the verb are
moved behind it; the verb's parser then reads them exactly as if written there.
"""

from __future__ import annotations

from collections.abc import Collection

# flag -> takes a value; long and short spellings of the shared connection flags
GLOBAL_FLAGS: dict[str, bool] = {
    "--kubeconfig": True,
    "--context": True,
    "--api-servers": True,
    "--server": True,
    "-s": True,
    "--namespace": True,
    "-n": True,
    "--request-timeout": True,
}

HELP_EPILOG = ("Connection flags (--kubeconfig, --context, --api-servers/--server/-s, -n/--namespace, "
               "--request-timeout) may also come before the command, as with kubectl: "
               "kube -n NS --kubeconfig FILE get pods")


def _global_flag_length(argv: list[str], i: int) -> int:
    """How many words the global flag at argv[i] spans (0: not a global flag)."""
    word = argv[i]
    if word in GLOBAL_FLAGS:
        return 2 if i + 1 < len(argv) else 0
    name, eq, _value = word.partition("=")
    if eq and name in GLOBAL_FLAGS:
        return 1
    for short in ("-n", "-s"):  # -nshop
        if word.startswith(short) and not word.startswith("--") and len(word) > 2:
            return 1
    return 0


def move_global_flags(argv: list[str], commands: Collection[str]) -> list[str]:
    """Return argv with connection flags given before the verb moved after it.

    Only a run of such flags directly followed by a known verb is moved; anything
    else (`--version`, `--help`, a typo) is left for the parser to judge. The moved
    flags go before a `--` separator so they never turn into positionals."""
    i = 0
    while i < len(argv):
        span = _global_flag_length(argv, i)
        if span == 0:
            break
        i += span
    if i == 0 or i >= len(argv) or argv[i] not in commands:
        return argv
    flags, rest = argv[:i], argv[i:]
    if "--" in rest:
        cut = rest.index("--")
        return rest[:cut] + flags + rest[cut:]
    return rest + flags
