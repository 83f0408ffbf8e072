"""Chaos runs report their counts at the end (tests/chaos/record.py)."""

from __future__ import annotations

import pytest

from tests.chaos.record import RECORD, RESULTS


def pytest_sessionfinish(session: pytest.Session) -> None:
    if RECORD.scenarios or RECORD.notes:
        RECORD.write()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if RECORD.scenarios or RECORD.notes:
        for line in [*RECORD.lines(), f"  (recorded in {RESULTS})"]:
            terminalreporter.write_line(line)
