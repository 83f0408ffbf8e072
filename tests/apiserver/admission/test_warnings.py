"""Admission warnings belong to one request: tasks started from a context that has some do
not share them, and taking them clears them."""

from __future__ import annotations

import asyncio

from kube.apiserver.admission.warnings import add_warning, take_warnings


async def test_warnings_are_per_task_and_taken_once() -> None:
    add_warning("outer")

    async def request(text: str) -> list[str]:
        take_warnings()  # as a write handler starts
        add_warning(text)
        add_warning(text)  # the same warning twice is sent once
        await asyncio.sleep(0)
        return take_warnings()

    assert await asyncio.gather(request("a"), request("b")) == [["a"], ["b"]]
    assert take_warnings() == ["outer"] and take_warnings() == []
