"""End-to-end fixtures: the API server fixtures of tests/apiserver, a client, and a
controller manager running in the test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kube.client.rest import RestClient
from tests.apiserver.conftest import kubeconfig, pki_dir, server  # noqa: F401 - fixtures


@pytest.fixture
async def client(kubeconfig: Path) -> AsyncIterator[RestClient]:  # noqa: F811
    c = RestClient.from_kubeconfig(str(kubeconfig))
    yield c
    await c.close()
