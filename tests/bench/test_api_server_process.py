"""`kube apiserver` as the benchmark's child process: a bad start is one clear error with the
server's own words, not a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from kube.bench.api_server_process import ApiServerFailed, ApiServerProcess


def test_a_server_that_exits_is_reported_with_its_log(tmp_path: Path) -> None:
    server = ApiServerProcess(tmp_path, ["--store", "bogus:x"])
    with pytest.raises(ApiServerFailed, match="--store must look like sqlite:PATH"):
        server.start(timeout=30)
    assert not server.running()


def test_argv_names_the_flags_operators_use(tmp_path: Path) -> None:
    server = ApiServerProcess(tmp_path, ["--store", f"sqlite:{tmp_path / 's.db'}"], token_file=tmp_path / "t.csv",
                              port=12345)
    argv = server.argv()
    assert argv[1:4] == ["-m", "kube", "apiserver"]
    for flag, value in (("--secure-port", "12345"), ("--bind-address", "127.0.0.1"),
                        ("--token-auth-file", str(tmp_path / "t.csv")), ("--cert-dir", str(tmp_path / "pki"))):
        assert argv[argv.index(flag) + 1] == value
    assert server.url == "https://127.0.0.1:12345"
