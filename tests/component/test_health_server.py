"""The one health server: /healthz, /livez, /readyz and /metrics from a prometheus-client registry,
over HTTP or TLS, off on port 0."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.parser import text_string_to_metric_families

from kube.component.health_server import serve_health
from tests.conftest import free_port


async def fetch(url: str, ssl_ctx: ssl.SSLContext | bool = False) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http:
        async with http.get(url, ssl=ssl_ctx, timeout=aiohttp.ClientTimeout(total=5)) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


@pytest.fixture
def registry() -> CollectorRegistry:
    reg = CollectorRegistry()
    Counter("demo_events_total", "Events seen.", ["kind"], registry=reg).labels(kind="pod").inc(3)
    Gauge("demo_pending", "Pending things.", registry=reg).set(7)
    return reg


async def test_port_zero_serves_nothing(registry: CollectorRegistry) -> None:
    assert await serve_health("127.0.0.1", 0, registry) is None


async def test_health_endpoints_and_metrics_parse(registry: CollectorRegistry) -> None:
    port = free_port()
    runner = await serve_health("127.0.0.1", port, registry)
    assert runner is not None
    try:
        for path in ("/healthz", "/livez", "/readyz"):
            assert (await fetch(f"http://127.0.0.1:{port}{path}"))[::2] == (200, "ok")
        status, ctype, body = await fetch(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and ctype.startswith("text/plain") and "version=" in ctype
        families = {f.name: f for f in text_string_to_metric_families(body)}
        assert families["demo_events"].type == "counter"
        [sample] = [s for s in families["demo_events"].samples if s.name == "demo_events_total"]
        assert sample.labels == {"kind": "pod"} and sample.value == 3
        assert families["demo_pending"].type == "gauge" and families["demo_pending"].samples[0].value == 7
        assert (await fetch(f"http://127.0.0.1:{port}/nothing-here"))[0] == 404
    finally:
        await runner.cleanup()


async def test_metrics_are_read_at_each_scrape() -> None:
    registry = CollectorRegistry()
    depth = Gauge("demo_depth", "Depth.", registry=registry)
    port = free_port()
    runner = await serve_health("127.0.0.1", port, registry)
    assert runner is not None
    try:
        for value in (4, 1):
            depth.set(value)
            body = (await fetch(f"http://127.0.0.1:{port}/metrics"))[2]
            [sample] = [s for f in text_string_to_metric_families(body) for s in f.samples if s.name == "demo_depth"]
            assert sample.value == value
    finally:
        await runner.cleanup()


async def test_readyz_follows_ready_and_liveness_does_not(registry: CollectorRegistry) -> None:
    state = {"ready": False}
    ready: Callable[[], bool] = lambda: state["ready"]  # noqa: E731
    port = free_port()
    runner = await serve_health("127.0.0.1", port, registry, ready=ready)
    assert runner is not None
    try:
        assert (await fetch(f"http://127.0.0.1:{port}/readyz"))[0] == 503
        assert (await fetch(f"http://127.0.0.1:{port}/healthz"))[0] == 200
        assert (await fetch(f"http://127.0.0.1:{port}/livez"))[0] == 200
        state["ready"] = True
        assert (await fetch(f"http://127.0.0.1:{port}/readyz"))[::2] == (200, "ok")
    finally:
        await runner.cleanup()


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "health-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1)).not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


async def test_tls_when_given_a_context(registry: CollectorRegistry, tmp_path: Path) -> None:
    cert_path, key_path = self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert_path, key_path)
    port = free_port()
    runner = await serve_health("127.0.0.1", port, registry, tls=server_ctx)
    assert runner is not None
    try:
        client_ctx = ssl.create_default_context(cafile=str(cert_path))
        status, _ctype, body = await fetch(f"https://127.0.0.1:{port}/metrics", client_ctx)
        assert status == 200 and "demo_pending 7.0" in body
        with pytest.raises(aiohttp.ClientError):  # plain HTTP is not answered on a TLS port
            await fetch(f"http://127.0.0.1:{port}/healthz")
    finally:
        await runner.cleanup()


async def test_a_taken_port_raises_and_leaves_nothing_running(registry: CollectorRegistry) -> None:
    port = free_port()
    first = await serve_health("127.0.0.1", port, registry)
    assert first is not None
    try:
        with pytest.raises(OSError):
            await serve_health("127.0.0.1", port, registry)
    finally:
        await first.cleanup()


async def test_no_created_series_as_kubernetes(registry: CollectorRegistry) -> None:
    port = free_port()
    runner = await serve_health("127.0.0.1", port, registry)
    assert runner is not None
    try:
        body = (await fetch(f"http://127.0.0.1:{port}/metrics"))[2]
        assert "demo_events_total" in body and "_created" not in body
    finally:
        await runner.cleanup()


async def test_healthz_follows_its_own_check_livez_does_not(registry: CollectorRegistry) -> None:
    state = {"synced": False}  # kube-proxy: unhealthy until its rules are synced
    port = free_port()
    runner = await serve_health("127.0.0.1", port, registry, healthy=lambda: state["synced"])
    assert runner is not None
    try:
        assert (await fetch(f"http://127.0.0.1:{port}/healthz"))[0] == 503
        assert (await fetch(f"http://127.0.0.1:{port}/livez"))[0] == 200
        assert (await fetch(f"http://127.0.0.1:{port}/readyz"))[0] == 200
        state["synced"] = True
        assert (await fetch(f"http://127.0.0.1:{port}/healthz"))[::2] == (200, "ok")
    finally:
        await runner.cleanup()
