"""Long lists go out slice by slice (chunked), byte for byte what the whole-list encoder writes,
and whole again when an audit rule logs the response body."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kubernetes import client, config

from kube.apiserver.handlers import list_stream
from kube.apiserver.handlers.encoding import json_response
from tests.apiserver.audit.conftest import start_audited
from tests.apiserver.conftest import Api

CM_LIST = "ConfigMapList"
KUBECTL = str(Path(sys.executable).parent / "kubectl")
text = st.text(alphabet=st.sampled_from("ab<>&\u2028\u2029\"\\é"), max_size=6)


def configmap(name: str, value: str) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "resourceVersion": "7"},
            "data": {"k": value}, "apiVersion": "v1", "kind": "ConfigMap"}


@settings(max_examples=60, deadline=None)
@given(values=st.lists(text, min_size=1, max_size=12), slice_items=st.integers(1, 5), token=text)
def test_streamed_bytes_equal_the_whole_list_encoding(values: list[str], slice_items: int, token: str) -> None:
    items = [configmap(f"c{i}", v) for i, v in enumerate(values)]
    meta = {"resourceVersion": "9", "continue": token}
    whole = json_response({"kind": CM_LIST, "apiVersion": "v1", "metadata": meta, "items": items}).body
    parts = [list_stream._head(CM_LIST, "v1", meta)]
    for start in range(0, len(items), slice_items):
        chunk = list_stream.encode_slice(CM_LIST, items[start:start + slice_items])
        parts.append(b"," + chunk if start else chunk)
    parts.append(b"]}\n")
    assert b"".join(parts) == whole


async def _make_configmaps(api: Api, namespace: str, n: int) -> None:
    for i in range(n):
        status, body = await api.post(f"/api/v1/namespaces/{namespace}/configmaps",
                                      {"metadata": {"name": f"cm-{i:03d}"}, "data": {"v": f"<{i}>"}})
        assert status == 201, body


async def test_a_long_list_is_chunked_and_complete(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    await _make_configmaps(api, "default", 23)
    _, whole = await api.get("/api/v1/namespaces/default/configmaps")
    monkeypatch.setattr(list_stream, "STREAM_AT", 10)
    monkeypatch.setattr(list_stream, "SLICE_ITEMS", 4)
    async with api.session.get("/api/v1/namespaces/default/configmaps") as resp:
        assert resp.status == 200 and resp.content_type == "application/json"
        assert resp.headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in resp.headers
        streamed = orjson.loads(await resp.read())
    assert [i["metadata"]["name"] for i in streamed["items"]] == [f"cm-{i:03d}" for i in range(23)]
    assert streamed == whole
    async with api.session.get("/api/v1/namespaces/default/configmaps?limit=5") as resp:
        assert "Content-Length" in resp.headers  # a short page is one body
        page = orjson.loads(await resp.read())
    assert len(page["items"]) == 5 and page["metadata"]["continue"]


async def test_a_list_whose_body_is_audited_is_sent_whole(pki_dir: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(list_stream, "STREAM_AT", 3)
    audited = await start_audited(pki_dir, tmp_path)
    try:
        async with audited.api() as admin:
            assert (await admin.post("/api/v1/namespaces", {"metadata": {"name": "rr"}}))[0] == 201
            await _make_configmaps(admin, "rr", 5)
            await _make_configmaps(admin, "default", 5)
            async with admin.session.get("/api/v1/namespaces/rr/configmaps") as resp:
                assert "Content-Length" in resp.headers  # RequestResponse in "rr": logged whole
            async with admin.session.get("/api/v1/namespaces/default/configmaps") as resp:
                assert resp.headers.get("Transfer-Encoding") == "chunked"  # Metadata: streamed
                assert len(orjson.loads(await resp.read())["items"]) == 5
        uri = "/api/v1/namespaces/rr/configmaps"
        logged = (await audited.wait_for(lambda e: e["requestURI"] == uri and e["verb"] == "list"))[0]
        assert [i["metadata"]["name"] for i in logged["responseObject"]["items"]] == \
            [f"cm-{i:03d}" for i in range(5)]
    finally:
        await audited.server.stop()


async def test_kubectl_and_the_python_client_read_a_streamed_list(api: Api, kubeconfig: Path) -> None:
    n = list_stream.STREAM_AT + 7
    await asyncio.gather(*(_make_configmaps_named(api, f"s{k}", n // 8 + 1) for k in range(8)))
    _, whole = await api.get("/api/v1/namespaces/default/configmaps")
    names = sorted(i["metadata"]["name"] for i in whole["items"])
    assert len(names) >= n
    async with api.session.get("/api/v1/namespaces/default/configmaps") as resp:
        assert resp.headers.get("Transfer-Encoding") == "chunked"  # long enough to be streamed
    proc = await asyncio.create_subprocess_exec(
        KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(kubeconfig.parent / "cache"), "get",
        "configmaps", "--chunk-size=0", "-o", "name", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err
    assert sorted(line.removeprefix("configmap/") for line in out.decode().split()) == names

    def python_client() -> list[str]:
        k8s = config.new_client_from_config(config_file=str(kubeconfig))
        try:
            return [c.metadata.name for c in client.CoreV1Api(k8s).list_namespaced_config_map("default").items]
        finally:
            k8s.close()
    assert sorted(await asyncio.to_thread(python_client)) == names


async def _make_configmaps_named(api: Api, prefix: str, n: int) -> None:
    for i in range(n):
        status, body = await api.post("/api/v1/namespaces/default/configmaps",
                                      {"metadata": {"name": f"{prefix}-{i:04d}"}, "data": {"v": "x" * 64}})
        assert status == 201, body
