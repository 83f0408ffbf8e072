"""Ages as kubectl prints them (`5s`, `3m20s`, `4h`, `2d3h`): shared by the API server's Tables and the CLI.

Mirrors k8s.io/apimachinery/pkg/util/duration.HumanDuration so our AGE column
reads exactly like a real cluster's.
"""

from __future__ import annotations

import time
from datetime import datetime


def human_duration(seconds: float) -> str:
    """kubectl's short human duration: precise when young, coarse when old."""
    secs = int(seconds)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 120:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        rest = secs % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def parse_timestamp(value: object) -> float | None:
    """Seconds since the epoch of an RFC 3339 (micro)time, or None when absent or malformed."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def age_since(value: object, now: float | None = None) -> str:
    """The AGE cell for a timestamp; `<unknown>` when there is none, as kubectl shows."""
    ts = parse_timestamp(value)
    if ts is None:
        return "<unknown>"
    return human_duration((time.time() if now is None else now) - ts)
