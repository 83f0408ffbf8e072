"""ObjectStore answers every store failure with a Kubernetes Status: the caller's
errors (exists, missing, conflict) stay the caller's, any other one is a 500 naming
its cause (a full disk says so) instead of a bare error class."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kube.api.errors import StatusError
from kube.api.registry import resolve
from kube.apiserver.storage.object_store import ObjectStore
from kube.store.errors import KeyExistsError, StoreError, UnavailableError

CONFIGMAP = resolve("configmaps")


class FailingStore:
    """A store whose every call raises the error it was given."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error

    create = update = delete = range = get


def _get(error: Exception) -> Any:
    return asyncio.run(ObjectStore(FailingStore(error)).get(CONFIGMAP, "ns", "x"))  # type: ignore[arg-type]


def test_a_full_disk_is_a_500_naming_it() -> None:
    with pytest.raises(StatusError) as caught:
        _get(StoreError("sqlite store: write failed: database or disk is full"))
    assert caught.value.code == 500
    assert caught.value.reason == "InternalError"
    assert "database or disk is full" in caught.value.message


def test_an_unavailable_backend_is_a_503() -> None:
    with pytest.raises(StatusError) as caught:
        _get(UnavailableError("no etcd member answered"))
    assert caught.value.code == 503


def test_callers_errors_pass_through() -> None:
    with pytest.raises(KeyExistsError):
        _get(KeyExistsError("exists"))
