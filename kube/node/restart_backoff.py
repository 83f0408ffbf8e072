"""Container restart back-off, as the kubelet does it: the first restart is immediate,
then each must wait 10 s, 20 s, ... up to 5 minutes after the container finished
(CrashLoopBackOff meanwhile); a container that ran 10 minutes starts over at 10 s."""

from __future__ import annotations

from dataclasses import dataclass, field

INITIAL = 10.0
CAP = 300.0
RESET_AFTER = 600.0


@dataclass
class RestartBackoff:
    initial: float = INITIAL
    cap: float = CAP
    reset_after: float = RESET_AFTER
    _delay: dict[str, float] = field(default_factory=dict)

    def remaining(self, key: str, finished_at: float, now: float) -> float:
        """Seconds until the container that finished at `finished_at` may restart (0: now)."""
        return max(0.0, finished_at + self._delay.get(key, 0.0) - now)

    def restarted(self, key: str, ran_for: float) -> float:
        """Record a restart; returns the wait the next one will need."""
        if ran_for >= self.reset_after:
            self._delay.pop(key, None)
        previous = self._delay.get(key)
        delay = self.initial if previous is None else min(self.cap, previous * 2)
        self._delay[key] = delay
        return delay

    def current(self, key: str) -> float:
        return self._delay.get(key, 0.0)

    def forget_prefix(self, prefix: str) -> None:
        for key in [k for k in self._delay if k.startswith(prefix)]:
            del self._delay[key]
