"""A node agent's TokenRequests under --authorization-mode=Node,RBAC: allowed for the account of a
pod bound to it (bound to that pod), refused for another node's pod, unbound, or another account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kube.api.registry import resolve
from kube.apiserver.auth.kubeconfig import write_kubeconfig
from kube.apiserver.auth.pki import PkiPaths, issue_client_cert
from kube.apiserver.server import APIServer
from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.node.runtime import ContainerConfigError
from kube.node.service_account_tokens import ServiceAccountTokens
from tests.apiserver.conftest import Api, server_config
from tests.apiserver.service_accounts.conftest import make_sa, request_token

NS = "/api/v1/namespaces/default"


@pytest.fixture
async def rbac_server(pki_dir: Path, tmp_path: Path, sa_keys: tuple[Path, Path]) -> AsyncIterator[APIServer]:
    srv = APIServer(server_config(pki_dir, tmp_path, service_account_signing_key_file=str(sa_keys[0]),
                                  client_ca_file=str(pki_dir / "ca.crt"), authorization_mode="Node,RBAC"))
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def node_client(rbac_server: APIServer, pki_dir: Path, tmp_path: Path) -> AsyncIterator[RestClient]:
    pki = PkiPaths.in_dir(str(pki_dir))
    cert, key = tmp_path / "n1.crt", tmp_path / "n1.key"
    issue_client_cert(pki, "system:node:n1", ["system:nodes"], str(cert), str(key))
    write_kubeconfig(str(tmp_path / "n1.kubeconfig"), rbac_server.url, pki.ca_cert, cert_file=str(cert),
                     key_file=str(key))
    client = RestClient.from_kubeconfig(str(tmp_path / "n1.kubeconfig"))
    yield client
    await client.close()


async def test_node_gets_tokens_only_for_its_own_pods(rbac_server: APIServer, node_client: RestClient,
                                                     pki_dir: Path) -> None:
    from tests.apiserver.conftest import ADMIN_TOKEN, ca_file, client_session

    async with client_session(rbac_server.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
        admin = Api(session, rbac_server)
        await make_sa(admin, "default")
        await make_sa(admin, "robot")
        pods = {}
        for name, node in (("mine", "n1"), ("theirs", "n2")):
            code, pods[name] = await admin.post(f"{NS}/pods", {"metadata": {"name": name}, "spec": {
                "nodeName": node, "containers": [{"name": "c", "image": "busybox"}]}})
            assert code == 201, pods[name]
        tokens = ServiceAccountTokens(node_client)
        assert (await tokens.token(pods["mine"], "", 3607)).count(".") == 2
        with pytest.raises(ContainerConfigError, match="forbidden"):
            await tokens.token(pods["theirs"], "", 3607)
        kind = resolve("serviceaccounts")
        assert kind is not None
        for ref in (None, {"kind": "Pod", "apiVersion": "v1", "name": "theirs"}):
            body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {
                "boundObjectRef": ref} if ref else {}}
            with pytest.raises(ApiError) as err:
                await node_client.request("POST", f"{NS}/serviceaccounts/default/token", body=body)
            assert err.value.code == 403 and "node requested token" in err.value.message, err.value.message
        with pytest.raises(ApiError) as err:  # an account no pod of n1 runs as
            await node_client.request("POST", f"{NS}/serviceaccounts/robot/token", body={"spec": {
                "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "mine"}}})
        assert err.value.code == 403
        code, _ = await request_token(admin, "robot")  # the admin still may
        assert code == 201
