"""`kube get -w` across an API server restart (issue 10, finding 1): the watch resumes from
the last resourceVersion it printed, prints what changed, and never an internal error."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from kube.api.registry import resolve
from kube.client.rest import RestClient
from tests.apiserver.conftest import (
    ADMIN_TOKEN,
    ServerProcess,
    ca_file,
    pod,
    server_process,  # noqa: F401 - fixture
    write_kubeconfig,
)

POD = resolve("pods")


async def read_row(stream: asyncio.StreamReader, timeout: float = 60.0) -> list[str]:
    line = await asyncio.wait_for(stream.readline(), timeout)
    assert line, "kube get -w ended"
    return line.decode().split()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("output", ["table", "name"])
async def test_get_watch_survives_an_api_server_sigkill_and_restart(
        server_process: ServerProcess, pki_dir: Path, tmp_path: Path, output: str) -> None:  # noqa: F811
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server_process.url, ca_file(pki_dir), ADMIN_TOKEN)
    client = RestClient.from_kubeconfig(str(kubeconfig))
    await client.create(POD, pod("alpha"))
    argv = ["get", "pods", "-w", "--kubeconfig", str(kubeconfig)] + (["-o", "name"] if output == "name" else [])
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kube", *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None and proc.stderr is not None
    try:
        if output == "table":
            assert (await read_row(proc.stdout))[0] == "NAME"
            assert (await read_row(proc.stdout))[0] == "alpha"
        else:
            assert await read_row(proc.stdout) == ["pod/alpha"]
        await asyncio.sleep(1.0)  # the watch is open
        assert server_process.proc is not None
        server_process.proc.kill()  # SIGKILL: the watch's body is cut off mid-stream
        server_process.proc.wait()
        await asyncio.sleep(1.5)  # kube get notices and retries against nothing
        assert proc.returncode is None, (await proc.stderr.read()).decode()
        await asyncio.to_thread(server_process.start)  # the same store and port
        # written as soon as the server is back, likely before kube get reconnects: only a watch
        # resumed from its last resourceVersion (not one from "now") prints it
        await client.create(POD, pod("beta"))
        await client.patch(POD, "alpha", {"metadata": {"labels": {"seen": "yes"}}})
        first, second = await read_row(proc.stdout), await read_row(proc.stdout)
        names = [first[0], second[0]]
        assert names == (["beta", "alpha"] if output == "table" else ["pod/beta", "pod/alpha"])
        assert proc.returncode is None
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()
        await client.close()
    err = (await proc.stderr.read()).decode()
    assert "internal error" not in err and "Traceback" not in err, err
    assert err.count("lost the connection") <= 1, err  # one line when it broke, not one per retry
