"""The API server fixtures plus a RestClient on them (leader election needs a real Lease)."""

from __future__ import annotations

from tests.apiserver.conftest import kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.client.conftest import client  # noqa: F401 - fixture
