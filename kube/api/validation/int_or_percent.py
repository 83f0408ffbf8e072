"""IntOrString fields that hold a count or a percentage (maxSurge, maxUnavailable, minAvailable)."""

from __future__ import annotations

from typing import Any

from kube.api.errors import invalid, type_invalid
from kube.api.validation.field_types import Errors
from kube.api.validation.names import percent_problems, wrap


def validate_int_or_percent(value: Any, path: str, errs: Errors, at_most_100: bool = False) -> int | None:
    """Report problems; return the value as a number (percent for strings) when valid, else None."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        errs.append(type_invalid(path, value, "int or string"))
        return None
    if isinstance(value, int):
        if value < 0:
            errs.append(invalid(path, value, "must be greater than or equal to 0"))
            return None
        return value
    problems = percent_problems(value)
    if problems:
        errs += wrap(path, value, problems)
        return None
    percent = int(value[:-1])
    if at_most_100 and percent > 100:
        errs.append(invalid(path, value, "must not be greater than 100%"))
    return percent
