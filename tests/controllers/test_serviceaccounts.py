"""The ServiceAccount controller and the root CA publisher: pure reconciles, then both
controllers against a real API server (namespaces get `default` and `kube-root-ca.crt`;
what is deleted or changed comes back)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from kube.api.meta import Obj
from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.controllers.actions import NAMESPACE, Create, Update
from kube.controllers.manager import ControllerManager
from kube.controllers.root_ca_publisher import CONFIGMAP, DESCRIPTION, NAME, reconcile_root_ca
from kube.controllers.serviceaccounts import SERVICEACCOUNT, reconcile_service_accounts
from tests.apiserver.conftest import eventually

CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def ns(name: str = "team", terminating: bool = False) -> Obj:
    meta: Obj = {"name": name}
    if terminating:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": meta, "status": {"phase": "Terminating" if terminating else "Active"}}


def test_default_account_is_created_once() -> None:
    (action,) = reconcile_service_accounts(ns(), set())
    assert isinstance(action, Create) and action.kind == SERVICEACCOUNT
    assert action.obj["metadata"] == {"name": "default", "namespace": "team"}
    assert reconcile_service_accounts(ns(), {"default"}) == []
    assert reconcile_service_accounts(ns(terminating=True), set()) == []
    assert reconcile_service_accounts(None, set()) == []


def test_root_ca_created_and_put_back() -> None:
    (create,) = reconcile_root_ca(ns(), None, CA)
    assert isinstance(create, Create) and create.obj["data"] == {"ca.crt": CA}
    assert create.obj["metadata"]["annotations"]["kubernetes.io/description"] == DESCRIPTION
    assert reconcile_root_ca(ns(), create.obj, CA) == []
    tampered = {**create.obj, "data": {"ca.crt": "forged", "extra": "x"}}
    (update,) = reconcile_root_ca(ns(), tampered, CA)
    assert isinstance(update, Update) and update.obj["data"] == {"ca.crt": CA}
    assert reconcile_root_ca(ns(terminating=True), None, CA) == []
    assert reconcile_root_ca(ns(), None, "") == []  # no CA known: nothing published


async def _get(client: RestClient, kind, namespace: str, name: str) -> Obj | None:
    try:
        return await client.get(kind, name, namespace)
    except ApiError as exc:
        if exc.code == 404:
            return None
        raise


async def test_every_namespace_gets_its_account_and_ca(client: RestClient, pki_dir: Path) -> None:
    manager = ControllerManager(client, ["serviceaccount", "root-ca-cert-publisher"])
    task = asyncio.get_running_loop().create_task(manager.run())
    try:
        await asyncio.wait_for(manager.synced.wait(), 20)
        assert await eventually(lambda: _get(client, SERVICEACCOUNT, "default", "default"))
        await client.create(NAMESPACE, {"metadata": {"name": "team"}})
        started = time.monotonic()
        sa = await eventually(lambda: _get(client, SERVICEACCOUNT, "team", "default"))
        took = time.monotonic() - started
        cm = await eventually(lambda: _get(client, CONFIGMAP, "team", NAME))
        assert cm["data"]["ca.crt"] == (pki_dir / "ca.crt").read_text()
        print(f"default ServiceAccount {took * 1000:.0f} ms after its namespace")

        await client.delete(SERVICEACCOUNT, "default", "team")
        back = await eventually(lambda: _get(client, SERVICEACCOUNT, "team", "default"))
        assert back["metadata"]["uid"] != sa["metadata"]["uid"]
        cm["data"] = {"ca.crt": "forged"}
        await client.update(CONFIGMAP, cm)

        async def restored() -> bool:
            now = await _get(client, CONFIGMAP, "team", NAME)
            return now is not None and now["data"]["ca.crt"] != "forged"
        assert await eventually(restored)
        await client.delete(CONFIGMAP, NAME, "team")
        assert await eventually(lambda: _get(client, CONFIGMAP, "team", NAME))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

