"""The API server fixtures plus `kube`: runs the CLI in a thread (it owns its event loop) against it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kube.apiserver.server import APIServer
from kube.cli.main import main
from tests.apiserver.conftest import kubeconfig, pki_dir, server  # noqa: F401 - fixtures


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


Kube = Callable[..., Awaitable[Result]]


def _exit_code(argv: list[str]) -> int:
    """main()'s return value, or the code argparse exits with on a usage error."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture
def kube(server: APIServer, kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> Kube:  # noqa: F811
    async def run(*argv: str, config: bool = True) -> Result:
        capsys.readouterr()
        args = [*argv, "--kubeconfig", str(kubeconfig)] if config else list(argv)
        code = await asyncio.to_thread(_exit_code, args)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def client_events(server: APIServer, kubeconfig: Path):  # type: ignore[no-untyped-def]  # noqa: F811
    """Record an Event about an object, as a controller would (through the REST client)."""
    from kube.api.registry import resolve
    from kube.client.rest import RestClient

    async def record(name: str, kind: str, reason: str, message: str, namespace: str = "default") -> None:
        async with RestClient.from_kubeconfig(str(kubeconfig)) as client:
            kind_info = resolve(kind)
            assert kind_info is not None
            obj = await client.get(kind_info, name, namespace)
            await client.create(resolve("events"), {
                "metadata": {"name": f"{name}.{reason.lower()}", "namespace": namespace},
                "involvedObject": {"kind": kind, "name": name, "namespace": namespace,
                                   "uid": obj["metadata"]["uid"], "apiVersion": obj["apiVersion"]},
                "reason": reason, "message": message, "type": "Normal", "count": 1,
                "source": {"component": "deployment-controller"},
                "firstTimestamp": obj["metadata"]["creationTimestamp"],
                "lastTimestamp": obj["metadata"]["creationTimestamp"]})

    return record
