"""The `kubernetes` Service and its Endpoints, created at bootstrap and kept in step on restart."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from kube.apiserver.bootstrap.kubernetes_service import advertise_address, endpoints_subsets
from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, Api, ca_file, client_session, server_config

SERVICE = "/api/v1/namespaces/default/services/kubernetes"
ENDPOINTS = "/api/v1/namespaces/default/endpoints/kubernetes"


async def test_service_gets_the_first_ip_and_points_at_the_secure_port(api: Api) -> None:
    status, svc = await api.get(SERVICE)
    assert status == 200, svc
    assert svc["spec"]["clusterIP"] == "10.96.0.1" and svc["spec"]["clusterIPs"] == ["10.96.0.1"]
    assert svc["spec"]["ports"] == [{"name": "https", "port": 443, "protocol": "TCP",
                                     "targetPort": api.server.config.secure_port}]
    assert svc["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}
    status, eps = await api.get(ENDPOINTS)
    assert status == 200
    assert eps["subsets"] == [{"addresses": [{"ip": "127.0.0.1"}],
                               "ports": [{"name": "https", "port": api.server.config.secure_port,
                                          "protocol": "TCP"}]}]


async def test_restart_on_another_port_updates_ports_and_keeps_the_ip(pki_dir: Path, tmp_path: Path) -> None:
    first = APIServer(server_config(pki_dir, tmp_path))
    await first.start()
    await first.stop()
    second = APIServer(server_config(pki_dir, tmp_path))
    await second.start()
    try:
        async with client_session(second.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
            api = Api(session, second)
            _, svc = await api.get(SERVICE)
            _, eps = await api.get(ENDPOINTS)
            _, services = await api.get("/api/v1/namespaces/default/services")
    finally:
        await second.stop()
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert svc["spec"]["ports"][0]["targetPort"] == second.config.secure_port
    assert eps["subsets"][0]["ports"][0]["port"] == second.config.secure_port
    assert [s["metadata"]["name"] for s in services["items"]] == ["kubernetes"]


async def test_another_service_cannot_take_the_kubernetes_ip(api: Api) -> None:
    other = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "thief"},
             "spec": {"clusterIP": "10.96.0.1", "ports": [{"port": 80}]}}
    status, body = await api.post("/api/v1/namespaces/default/services", other)
    assert status == 422 and "already allocated" in body["message"]


def test_advertise_address_is_the_bind_address_unless_bound_to_all() -> None:
    assert advertise_address("127.0.0.1") == "127.0.0.1"
    assert advertise_address("10.1.2.3") == "10.1.2.3"
    assert advertise_address("0.0.0.0") not in ("0.0.0.0", "")


_ips = st.ip_addresses(v=4).map(str)


@given(st.lists(_ips, max_size=5), _ips, st.integers(1, 65535))
def test_endpoints_keep_other_servers_and_add_this_one(others: list[str], mine: str, port: int) -> None:
    old = [{"addresses": [{"ip": ip} for ip in others], "ports": [{"name": "https", "port": 1}]}]
    subsets = endpoints_subsets(old, mine, port)
    ips = [a["ip"] for a in subsets[0]["addresses"]]
    assert set(ips) == set(others) | {mine} and len(ips) == len(set(ips)) and ips == sorted(ips)
    assert subsets[0]["ports"] == [{"name": "https", "port": port, "protocol": "TCP"}]
    assert endpoints_subsets(subsets, mine, port) == subsets  # idempotent
