"""Container restart back-off: doubling from 10 s to five minutes, reset after a long run."""

from __future__ import annotations

from kube.node.restart_backoff import RestartBackoff


def test_restart_back_off_doubles_to_five_minutes_and_resets():
    b = RestartBackoff()
    assert b.remaining("k", finished_at=100.0, now=100.0) == 0  # first restart: at once
    waits = [b.restarted("k", ran_for=1.0) for _ in range(7)]
    assert waits == [10, 20, 40, 80, 160, 300, 300]
    assert b.remaining("k", finished_at=100.0, now=150.0) == 250
    assert b.restarted("k", ran_for=700.0) == 10  # ran 10+ minutes: back to the start
