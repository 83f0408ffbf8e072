"""A watch that outlives its connection: client-go's RetryWatcher, and the one place
where watch loops decide what a failure means.

It follows a collection from a resourceVersion. When the transport fails (an API
server restart, a reset, a body cut short: ApiConnectionError) or the server
answers 429/5xx, it watches again from the last resourceVersion it delivered
(bookmarks included), after a back-off, so the events in between arrive once and
none twice. A stream the server simply ends (its timeoutSeconds) is reopened at
once. 410 Gone ends it with GoneError (only a relist helps), and so does any other
Status (401, 403, 404...): the caller decides. "Too large resource version" (504:
the server has not reached it, a cache still loading after a restart or a store that
lost its history) is retried a few times, then raised too, so an informer relists
rather than wait forever for a revision that may never come. Anything else is a
bug and escapes.

`Outage` keeps the log to one WARNING when the connection breaks and one INFO
when it is back, however many retries lie between.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

from kube.client.backoff import Backoff
from kube.client.errors import ApiConnectionError, ApiError, GoneError
from kube.client.watch import Event, WatchStream

log = logging.getLogger("kube.client.watch")


def too_large(exc: BaseException) -> bool:
    """The server's "Too large resource version": it has not seen the resourceVersion asked for."""
    return isinstance(exc, ApiError) and any(
        c.get("reason") == "ResourceVersionTooLarge" for c in exc.details.get("causes") or [] if isinstance(c, dict))


def retryable(exc: BaseException) -> bool:
    """Worth the same request again after a back-off: the transport failed or the server is
    overloaded or restarting. 410 and the other Statuses are answers, not outages."""
    if isinstance(exc, ApiConnectionError):
        return True
    return isinstance(exc, ApiError) and not isinstance(exc, GoneError) and (
        exc.code == 429 or exc.code >= 500)


class Outage:
    """The state of one loop's link to the API, logged on change only."""

    def __init__(self, what: str, logger: logging.Logger = log) -> None:
        self.what = what
        self.log = logger
        self.since: float | None = None  # monotonic time of the first failure of this outage
        self.failures = 0  # failed attempts in this outage
        self.outages = 0  # outages so far (for tests and metrics)

    @property
    def down(self) -> bool:
        return self.since is not None

    def broke(self, exc: BaseException, doing: str = "watch") -> None:
        self.failures += 1
        if self.since is None:
            self.since = time.monotonic()
            self.outages += 1
            self.log.warning("%s: %s failed (%s); retrying with back-off until the API answers",
                             self.what, doing, exc)
        else:
            self.log.debug("%s: %s failed again (%s)", self.what, doing, exc)

    def recovered(self) -> None:
        if self.since is not None:
            self.log.info("%s: connection to the API restored after %.1fs (%d failed attempts)",
                          self.what, time.monotonic() - self.since, self.failures)
        self.since = None
        self.failures = 0


OpenWatch = Callable[[str], WatchStream]


class RetryWatch:
    """(type, object) from `resource_version` on, across reconnects: `async with
    contextlib.aclosing(watch.events()) as events: async for ...` (aclosing drops the
    connection when the caller stops early).

    `open_watch(rv)` opens one WatchStream from rv. `resource_version` is always the last
    one delivered, so a caller that must start over (GoneError) knows where it was."""

    def __init__(self, open_watch: OpenWatch, resource_version: str, *, outage: Outage | None = None,
                 backoff: Backoff | None = None, too_large_retries: int = 3) -> None:
        self.open_watch = open_watch
        self.resource_version = resource_version
        self.outage = outage or Outage("watch")
        self.backoff = backoff or Backoff(base=0.5, cap=30.0)
        self.too_large_retries = too_large_retries
        self.reconnects = 0  # streams opened after the first (for tests and metrics)

    async def events(self) -> AsyncIterator[Event]:
        first = True
        too_large_in_a_row = 0
        while True:
            if not first:
                self.reconnects += 1
            first = False
            got_any = False
            try:
                async with self.open_watch(self.resource_version) as stream:
                    async for event_type, obj in stream:
                        rv = (obj.get("metadata") or {}).get("resourceVersion")
                        if rv:
                            self.resource_version = str(rv)
                        if not got_any:  # back once events flow: a server that accepts and drops is still down
                            got_any = True
                            self.outage.recovered()
                            self.backoff.reset()
                        yield event_type, obj
            except Exception as exc:
                too_large_in_a_row = too_large_in_a_row + 1 if too_large(exc) else 0
                if not retryable(exc) or too_large_in_a_row > self.too_large_retries:
                    raise
                self.outage.broke(exc)
                await asyncio.sleep(self.backoff.next())
                continue
            self.outage.recovered()  # the server ended the stream itself (its timeoutSeconds): it is there
            if not got_any:  # closed at once with nothing said: do not spin
                await asyncio.sleep(self.backoff.next())
