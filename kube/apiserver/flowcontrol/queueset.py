"""One Limited priority level's seats and queues: Kubernetes' fair queuing for server requests.

A request takes one seat of the level's concurrency limit. With limitResponse Queue, a
request that finds every seat taken waits in one queue: its flow (schema, distinguisher)
is shuffle-sharded to a hand of queues and it joins the shortest; past queueLengthLimit
it is rejected ("queue-full"), and after `wait` seconds in the queue ("time-out").
With limitResponse Reject it is rejected at once ("concurrency-limit").

When a seat frees, the queue with the smallest virtual finish time is served, as in
k8s.io/apiserver's queueset: virtual time R advances at min(seats wanted, limit) /
active queues per second; a queue that goes from idle to busy starts at the current R;
dispatching adds the estimated service G to the queue's next start and completion
corrects it by the time the request really took. So two busy flows get equal seat-time
whatever their arrival rates. Simplified: every request is one seat (no width
estimates for big lists), and levels do not lend or borrow seats.

Seats never leak: a waiter cancelled (client gone) leaves its queue, and one cancelled
after its seat was granted gives the seat back.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kube.apiserver.flowcontrol.shuffle_sharding import deal, flow_hash

ESTIMATED_SERVICE_SECONDS = 0.003  # G: a request's service time guessed at dispatch, corrected at completion
HAND_MEMO_SIZE = 4096

Flow = tuple[str, str]  # (flow schema name, distinguisher)


class Rejected(Exception):
    """The request gets no seat; reason as Kubernetes' rejected_requests_total label."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Queuing:
    queues: int
    hand_size: int
    queue_length_limit: int


class _Queue:
    __slots__ = ("index", "waiting", "executing", "next_r")

    def __init__(self, index: int) -> None:
        self.index = index
        self.waiting: deque[_Waiter] = deque()
        self.executing = 0
        self.next_r = 0.0


class Seat:
    """Held while the request executes; `QueueSet.release` gives it back (once)."""

    __slots__ = ("queue", "started", "released")

    def __init__(self, queue: _Queue | None, started: float) -> None:
        self.queue, self.started, self.released = queue, started, False


class _Waiter:
    __slots__ = ("future", "queue", "timer")

    def __init__(self, future: asyncio.Future[Seat], queue: _Queue) -> None:
        self.future, self.queue = future, queue
        self.timer: asyncio.TimerHandle | None = None


class QueueSet:
    def __init__(self, limit: int, queuing: Queuing | None, wait: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.wait = wait
        self._clock = clock
        self._queues: list[_Queue] = []
        self._hands: dict[Flow, list[int]] = {}
        self.executing = 0
        self.waiting = 0
        self._active = 0  # queues with a request waiting or executing
        self._r = 0.0
        self._last = clock()
        self._robin = 0
        self.configure(limit, queuing)

    def configure(self, limit: int, queuing: Queuing | None) -> None:
        """New limits; queues beyond a smaller count are no longer dealt but drain."""
        self._sync()
        self.limit, self.queuing = max(1, limit), queuing
        if queuing is not None:
            while len(self._queues) < queuing.queues:
                self._queues.append(_Queue(len(self._queues)))
        self._hands = {}
        self._dispatch()

    @property
    def virtual_time(self) -> float:
        return self._r

    def _sync(self) -> None:
        now = self._clock()
        if self._active:
            wanted = self.executing + self.waiting
            self._r += (now - self._last) * min(wanted, self.limit) / self._active
        self._last = now

    def _pick_queue(self, flow: Flow) -> _Queue:
        assert self.queuing is not None
        hand = self._hands.get(flow)
        if hand is None:
            if len(self._hands) >= HAND_MEMO_SIZE:
                self._hands = {}
            size = min(self.queuing.hand_size, self.queuing.queues)
            hand = self._hands[flow] = deal(flow_hash(*flow), self.queuing.queues, size)
        queues = self._queues
        return min((queues[i] for i in hand), key=lambda q: len(q.waiting) + q.executing)

    async def acquire(self, flow: Flow) -> Seat:
        """A seat, now or after queuing; Rejected when there is none to be had."""
        if self.queuing is None:
            if self.executing >= self.limit:
                raise Rejected("concurrency-limit")
            self.executing += 1
            return Seat(None, self._clock())
        queue = self._pick_queue(flow)
        if len(queue.waiting) >= self.queuing.queue_length_limit:
            raise Rejected("queue-full")
        self._sync()
        if not queue.waiting and not queue.executing:
            queue.next_r = self._r
            self._active += 1
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop.create_future(), queue)
        queue.waiting.append(waiter)
        self.waiting += 1
        self._dispatch()
        if not waiter.future.done():
            waiter.timer = loop.call_later(self.wait, self._time_out, waiter)
        try:
            return await waiter.future
        except asyncio.CancelledError:
            self._abandon(waiter)
            raise

    def _leave(self, waiter: _Waiter) -> bool:
        queue = waiter.queue
        try:
            queue.waiting.remove(waiter)
        except ValueError:
            return False
        self._sync()
        self.waiting -= 1
        if waiter.timer is not None:
            waiter.timer.cancel()
        if not queue.waiting and not queue.executing:
            self._active -= 1
        return True

    def _time_out(self, waiter: _Waiter) -> None:
        if self._leave(waiter) and not waiter.future.done():
            waiter.future.set_exception(Rejected("time-out"))

    def _abandon(self, waiter: _Waiter) -> None:
        if self._leave(waiter):
            return
        fut = waiter.future
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            self.release(fut.result())  # granted, but its request is gone

    def _next_queue(self) -> _Queue | None:
        """The busy queue whose head would finish first in virtual time (round-robin on ties)."""
        best, best_r, n = None, 0.0, len(self._queues)
        for k in range(n):
            q = self._queues[(self._robin + k) % n]
            if q.waiting and (best is None or q.next_r < best_r):
                best, best_r = q, q.next_r
        return best

    def _dispatch(self) -> None:
        while self.waiting and self.executing < self.limit:
            queue = self._next_queue()
            if queue is None:
                return
            waiter = queue.waiting.popleft()
            self.waiting -= 1
            if waiter.timer is not None:
                waiter.timer.cancel()
            if waiter.future.done():  # cancelled and not yet resumed to leave its queue
                if not queue.waiting and not queue.executing:
                    self._active -= 1
                continue
            self._robin = (queue.index + 1) % len(self._queues)
            queue.next_r += ESTIMATED_SERVICE_SECONDS
            queue.executing += 1
            self.executing += 1
            waiter.future.set_result(Seat(queue, self._clock()))

    def release(self, seat: Seat) -> None:
        if seat.released:
            return
        seat.released = True
        self._sync()
        self.executing -= 1
        queue = seat.queue
        if queue is not None:
            queue.executing -= 1
            queue.next_r -= ESTIMATED_SERVICE_SECONDS - (self._clock() - seat.started)
            if not queue.waiting and not queue.executing:
                self._active -= 1
        self._dispatch()
