"""--event-ttl: Events go when their TTL has passed (a store lease, reused for at most 5% of
the TTL), other objects stay; the flag takes Go durations and a bad one is one line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from kube.apiserver.command import config_from
from kube.apiserver.server import APIServer
from kube.cli.main import build_parser
from tests.apiserver.conftest import (
    ADMIN_TOKEN,
    Api,
    ca_file,
    client_session,
    eventually,
    refused_apiserver_line,
    server_config,
)


def parse(*argv: str) -> argparse.Namespace:
    return build_parser(list(argv)).parse_args(list(argv))


def test_the_flag_takes_go_durations(tmp_path: Path) -> None:
    store = f"sqlite:{tmp_path / 's.db'}"
    assert config_from(parse("apiserver", "--store", store, "--event-ttl", "1h30m")).event_ttl == 5400
    assert config_from(parse("apiserver", "--store", store)).event_ttl == 3600


@pytest.mark.parametrize(("value", "message"), [("soon", "invalid duration"), ("500ms", "--event-ttl must be at least 1s")])
def test_a_bad_ttl_is_one_line(tmp_path: Path, value: str, message: str) -> None:
    assert message in refused_apiserver_line(tmp_path, "--event-ttl", value)


async def test_events_expire_after_the_ttl_and_nothing_else_does(pki_dir: Path, tmp_path: Path) -> None:
    server = APIServer(server_config(pki_dir, tmp_path, event_ttl=3.0))
    await server.start()
    try:
        async with client_session(server.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
            api = Api(session, server)
            for name in ("e1", "e2"):
                event = {"metadata": {"name": name}, "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
                         "reason": "Tested", "message": "ttl", "type": "Normal"}
                assert (await api.post("/api/v1/namespaces/default/events", event))[0] == 201
            assert (await api.post("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "stays"}}))[0] == 201
            assert len((await api.get("/api/v1/namespaces/default/events"))[1]["items"]) == 2

            async def gone() -> bool:
                return not (await api.get("/api/v1/namespaces/default/events"))[1]["items"]
            await eventually(gone, timeout=60, interval=0.5)
            assert (await api.get("/api/v1/namespaces/default/configmaps/stays"))[0] == 200
    finally:
        await server.stop()
