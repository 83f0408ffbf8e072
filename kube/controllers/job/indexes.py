"""Completion index sets as a Job's status writes them: "1,3-5,7" (sorted, ranges merged)."""

from __future__ import annotations

from collections.abc import Iterable


def parse_indexes(text: object, limit: int | None = None) -> set[int]:
    """The indexes of an interval list; malformed parts are skipped (the status is ours to write)."""
    found: set[int] = set()
    if not isinstance(text, str):
        return found
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            continue
        start, end = int(first), int(last) if dash else int(first)
        if limit is not None:
            end = min(end, limit - 1)
        found.update(range(start, end + 1))
    return found


def format_indexes(indexes: Iterable[int]) -> str:
    ordered = sorted(set(indexes))
    parts: list[str] = []
    at = 0
    while at < len(ordered):
        end = at
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        parts.append(str(ordered[at]) if at == end else f"{ordered[at]}-{ordered[end]}")
        at = end + 1
    return ",".join(parts)
