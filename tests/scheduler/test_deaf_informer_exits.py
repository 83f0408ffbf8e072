"""A scheduler whose informer dies of a bug exits with one clear line (issue 10, finding 1),
instead of living on with a cache that no longer follows the cluster."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.apiserver.conftest import write_kubeconfig
from tests.conftest import free_port


@pytest.fixture
async def hostile_api() -> AsyncIterator[str]:
    """An API whose node list holds something that is not an object: the informer's loop breaks on it."""
    hold = asyncio.Event()

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.query.get("watch") == "true":
            resp = web.StreamResponse(headers={"Content-Type": "application/json"})
            await resp.prepare(request)
            await hold.wait()
            return resp
        items = ["not an object"] if request.path == "/api/v1/nodes" else []
        return web.json_response({"kind": "List", "metadata": {"resourceVersion": "1"}, "items": items})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    hold.set()
    await runner.cleanup()


@pytest.mark.timeout(120)
async def test_the_scheduler_exits_with_one_line_when_an_informer_dies(hostile_api: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ca.crt").write_text("")
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", hostile_api, str(tmp_path / "ca.crt"), "token")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kube", "scheduler", "--kubeconfig", str(kubeconfig), "--no-leader-elect",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("the scheduler lived on with a dead informer") from None
    assert proc.returncode == 1
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("error: ") and "InformerFailed" in last and "nodes informer stopped" in last, err
    assert "Traceback" not in err.decode()
