"""Shared fixtures. Fixtures that start real services live in tests/fixtures/."""

from __future__ import annotations

import socket

import pytest

pytest_plugins = ["tests.fixtures.etcd_cluster", "tests.fixtures.hosts"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def port() -> int:
    return free_port()
