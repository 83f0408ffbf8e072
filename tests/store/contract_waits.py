"""Waiting helpers shared by the store contract tests: generous deadlines, no timing asserts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from kube.store.protocol import Watch, WatchEvent

DEADLINE = 20.0  # seconds; a condition that holds at all holds long before this


async def collect(watch: Watch, count: int, deadline: float = DEADLINE) -> list[WatchEvent]:
    """The next `count` events of watch (TimeoutError if they do not all come)."""
    events: list[WatchEvent] = []
    if count <= 0:
        return events

    async def gather() -> None:
        async for event in watch:
            events.append(event)
            if len(events) >= count:
                return

    await asyncio.wait_for(gather(), deadline)
    return events


async def no_more_events(watch: Watch, quiet: float = 0.5) -> list[WatchEvent]:
    """Events that arrive within `quiet` seconds (the caller expects none)."""
    extra: list[WatchEvent] = []

    async def gather() -> None:
        async for event in watch:
            extra.append(event)

    try:
        await asyncio.wait_for(gather(), quiet)
    except TimeoutError:
        pass
    return extra


async def eventually(check: Callable[[], Awaitable[bool]], deadline: float = DEADLINE) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not await check():
        if loop.time() > end:
            raise AssertionError(f"condition not reached within {deadline:g}s")
        await asyncio.sleep(0.1)
