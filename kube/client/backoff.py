"""Exponential back-off with jitter: every retry loop in the client uses it, so
many clients that fail together do not come back together."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# one generator for every Backoff: seeding a new Random reads os.urandom, and a Backoff is
# made per request (a measurable cost at thousands of requests a second)
_SHARED_RNG = random.Random()


@dataclass
class Backoff:
    """Delays base, base*factor, ... capped at `cap`, each stretched by up to `jitter` (a fraction)."""

    base: float = 0.2
    cap: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5
    attempts: int = 0
    _rng: random.Random = field(default_factory=lambda: _SHARED_RNG, repr=False)

    def peek(self) -> float:
        """The un-jittered delay the next `next()` will stretch."""
        return min(self.cap, self.base * (self.factor ** self.attempts))

    def next(self) -> float:
        delay = self.peek()
        self.attempts += 1
        return min(self.cap, delay * (1.0 + self.jitter * self._rng.random()))

    def reset(self) -> None:
        self.attempts = 0
