"""TLS bootstrap, as the kubelet's --bootstrap-kubeconfig: when the node has no valid client
certificate under <root>/pki, it asks for one with the bootstrap token (a CSR for
system:node:<name> to kubernetes.io/kube-apiserver-client-kubelet), and writes --kubeconfig
pointing at kubelet-client-current.pem, so every later start (and every rotation) needs no token.
A Denied or Failed request is logged in one line and retried with back-off, never a traceback.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from pathlib import Path

import yaml

from kube.client.backoff import Backoff
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.kubeconfig import ClientConfig, load_kubeconfig
from kube.client.rest import RestClient
from kube.node.certificate_manager import RETRY_BASE, RETRY_CAP, CertificateManager, CertificateRefused
from kube.node.certificate_request import CLIENT_SIGNER, CLIENT_USAGES
from kube.node.certificate_store import CertificateStore

log = logging.getLogger("kube.node")


def write_kubeconfig(path: str | os.PathLike[str], cluster: ClientConfig, cert_file: Path) -> None:
    """The kubelet's kubeconfig: the bootstrap one's cluster, the current pair as client-certificate and key."""
    entry: dict = {"server": cluster.server}
    if cluster.ca_data:
        entry["certificate-authority-data"] = base64.b64encode(cluster.ca_data).decode("ascii")
    if cluster.insecure:
        entry["insecure-skip-tls-verify"] = True
    if cluster.tls_server_name:
        entry["tls-server-name"] = cluster.tls_server_name
    doc = {"apiVersion": "v1", "kind": "Config", "preferences": {},
           "clusters": [{"name": "default-cluster", "cluster": entry}],
           "contexts": [{"name": "default-context",
                         "context": {"cluster": "default-cluster", "namespace": "default", "user": "default-auth"}}],
           "current-context": "default-context",
           "users": [{"name": "default-auth", "user": {"client-certificate": str(cert_file.absolute()),
                                                      "client-key": str(cert_file.absolute())}}]}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(doc, handle, sort_keys=False)
    os.replace(staging, target)


def bootstrap_config(path: str, api_servers: list[str] | None) -> ClientConfig:
    config = load_kubeconfig(path)
    if api_servers:
        config.servers = [s.rstrip("/") for s in api_servers]
    return config


async def bootstrap(node: str, store: CertificateStore, kubeconfig: str, bootstrap_kubeconfig: str,
                    stop: asyncio.Event, api_servers: list[str] | None = None,
                    wait_seconds: float | None = None) -> bool:
    """Make sure `kubeconfig` names a valid client certificate for `node`; False when stopped first."""
    pair = store.current()
    if pair is not None and pair.valid():
        if not Path(kubeconfig).exists():
            write_kubeconfig(kubeconfig, bootstrap_config(bootstrap_kubeconfig, api_servers), store.current_path)
        log.info("node %s: client certificate %s valid until %s", node, store.current_path,
                 pair.not_after.isoformat())
        return True
    config = bootstrap_config(bootstrap_kubeconfig, api_servers)
    log.info("node %s: no valid client certificate in %s: bootstrapping with %s", node, store.directory,
             bootstrap_kubeconfig)
    backoff = Backoff(base=RETRY_BASE, cap=RETRY_CAP)
    async with RestClient(config, user_agent="kube-node-bootstrap") as client:
        manager = CertificateManager(store, node, CLIENT_SIGNER, CLIENT_USAGES, client=lambda: client)
        if wait_seconds is not None:
            manager.wait_seconds = wait_seconds
        while not stop.is_set():
            try:
                await manager.renew(bootstrap=True)
                break
            except (CertificateRefused, ApiError, ApiConnectionError) as exc:
                delay = backoff.next()
                log.error("node %s: TLS bootstrap failed: %s (retry in %.0fs)", node, exc, delay)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                except TimeoutError:
                    pass
        else:
            return False
    write_kubeconfig(kubeconfig, config, store.current_path)
    log.info("node %s: bootstrapped; wrote %s", node, kubeconfig)
    return True
