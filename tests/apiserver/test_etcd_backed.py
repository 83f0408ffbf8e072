"""The API server on a real etcd member that demands TLS client certificates
(`--etcd-servers` + `--etcd-cafile/--etcd-certfile/--etcd-keyfile`): bootstrap, CRUD, watch."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, Api, ca_file, client_session, pod, server_config
from tests.fixtures.etcd_cluster import EtcdCluster

CMS = "/api/v1/namespaces/default/configmaps"


def etcd_config(pki_dir: Path, tmp_path: Path, cluster: EtcdCluster, prefix: str):  # type: ignore[no-untyped-def]
    assert cluster.tls is not None
    return server_config(pki_dir, tmp_path, store="etcd:" + ",".join(cluster.endpoints),
                         etcd_cafile=str(cluster.tls.ca_file), etcd_certfile=str(cluster.tls.client_cert),
                         etcd_keyfile=str(cluster.tls.client_key), etcd_prefix=prefix)


@pytest.fixture
async def etcd_api(etcd_tls_member: EtcdCluster, pki_dir: Path, tmp_path: Path) -> AsyncIterator[Api]:
    srv = APIServer(etcd_config(pki_dir, tmp_path, etcd_tls_member, f"/kube-{uuid.uuid4().hex[:8]}"))
    await srv.start()
    try:
        async with client_session(srv.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
            yield Api(session, srv)
    finally:
        await srv.stop()


async def test_bootstrap_on_etcd(etcd_api: Api) -> None:
    status, namespaces = await etcd_api.get("/api/v1/namespaces")
    assert status == 200
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= {
        n["metadata"]["name"] for n in namespaces["items"]}
    status, svc = await etcd_api.get("/api/v1/namespaces/default/services/kubernetes")
    assert status == 200 and svc["spec"]["clusterIP"] == "10.96.0.1"


async def test_crud_and_conflict_on_etcd(etcd_api: Api) -> None:
    status, created = await etcd_api.post(CMS, {"metadata": {"name": "cm", "labels": {"a": "1"}}, "data": {"k": "v"}})
    assert status == 201 and created["metadata"]["uid"]
    status, got = await etcd_api.get(f"{CMS}/cm")
    assert status == 200 and got["data"] == {"k": "v"}
    stale = dict(got, data={"k": "stale"})
    got["data"] = {"k": "v2"}
    assert (await etcd_api.put(f"{CMS}/cm", got))[0] == 200
    status, body = await etcd_api.put(f"{CMS}/cm", stale)
    assert status == 409 and body["reason"] == "Conflict"
    status, listed = await etcd_api.get(f"{CMS}?labelSelector=a%3D1")
    assert [i["data"]["k"] for i in listed["items"]] == ["v2"]
    assert (await etcd_api.delete(f"{CMS}/cm"))[0] == 200
    assert (await etcd_api.get(f"{CMS}/cm"))[0] == 404


async def test_watch_on_etcd_sees_changes_in_order(etcd_api: Api) -> None:
    _, listed = await etcd_api.get("/api/v1/namespaces/default/pods")
    rv = listed["metadata"]["resourceVersion"]
    await etcd_api.post("/api/v1/namespaces/default/pods", pod("w", {"app": "w"}))
    await etcd_api.patch("/api/v1/namespaces/default/pods/w", {"metadata": {"labels": {"b": "2"}}})
    await etcd_api.delete("/api/v1/namespaces/default/pods/w", {"gracePeriodSeconds": 0})
    events = await etcd_api.watch(f"/api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}", until=3)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert events[1]["object"]["metadata"]["labels"] == {"app": "w", "b": "2"}
    revisions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert revisions == sorted(revisions) and revisions[0] > int(rv)
