"""How many examples a fuzz property runs: small in `make test`, FUZZ_EXAMPLES in `make fuzz`."""

from __future__ import annotations

import os


def examples(ci_default: int) -> int:
    """FUZZ_EXAMPLES if set (the long run), else the CI budget's default."""
    return int(os.environ.get("FUZZ_EXAMPLES", ci_default))


def api_examples(ci_default: int = 3) -> int:
    """Examples per API operation (129 operations): FUZZ_API_EXAMPLES, else a tenth of FUZZ_EXAMPLES."""
    if "FUZZ_API_EXAMPLES" in os.environ:
        return int(os.environ["FUZZ_API_EXAMPLES"])
    if "FUZZ_EXAMPLES" in os.environ:
        return max(1, int(os.environ["FUZZ_EXAMPLES"]) // 10)
    return ci_default
