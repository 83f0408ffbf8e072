"""The API server fixtures (tests/apiserver/conftest.py) plus a RestClient on them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kube.apiserver.server import APIServer
from kube.client.rest import RestClient
from tests.apiserver.conftest import kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.client.scripted_api import scripted  # noqa: F401 - fixture


@pytest.fixture
async def client(server: APIServer, kubeconfig: Path) -> AsyncIterator[RestClient]:  # noqa: F811
    async with RestClient.from_kubeconfig(str(kubeconfig)) as rest:
        yield rest
