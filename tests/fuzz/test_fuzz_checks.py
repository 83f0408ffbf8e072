"""The fuzzer's verdict can fail: against a server that answers 500, drops the
connection, or writes while answering 400, `_call` names the problem (so a green fuzz
run means something)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.fuzz.test_openapi_fuzz import _call


@dataclass
class FakeServer:
    url: str


class FakeCase:
    def __init__(self, method: str, path: str) -> None:
        self.method, self.path = method, path

    def as_transport_kwargs(self, base_url: str, headers: dict[str, str]) -> dict[str, Any]:
        return {"method": self.method, "url": base_url + self.path, "headers": headers, "json": {"a": 1}}


@pytest.fixture
def bad_server(tmp_path: Path) -> Iterator[tuple[FakeServer, Path]]:
    db = tmp_path / "state.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE log (id INTEGER PRIMARY KEY)")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/drop":
                self.connection.close()
                return
            if self.path == "/writes-on-400":
                with sqlite3.connect(db) as conn:
                    conn.execute("INSERT INTO log DEFAULT VALUES")
            code = 500 if self.path == "/500" else 400 if self.path == "/writes-on-400" else 201
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield FakeServer(f"http://127.0.0.1:{httpd.server_address[1]}"), db
    httpd.shutdown()


@pytest.mark.parametrize(("path", "words"), [("/500", "500"), ("/drop", "hang or dropped"),
                                             ("/writes-on-400", "yet the store moved")])
def test_each_check_fails_on_the_fault_it_guards(bad_server: tuple[FakeServer, Path], path: str, words: str) -> None:
    server, db = bad_server
    problem = _call(server, requests.Session(), db, FakeCase("POST", path))  # type: ignore[arg-type]
    assert problem is not None and words in problem


def test_a_healthy_answer_is_no_problem(bad_server: tuple[FakeServer, Path]) -> None:
    server, db = bad_server
    assert _call(server, requests.Session(), db, FakeCase("POST", "/ok")) is None  # type: ignore[arg-type]
