"""`kube apiserver`'s audit flags: a bad policy file or format is one line at startup, and
--audit-log-maxsize / --audit-log-maxbackup rotate the server's own log."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.apiserver.audit.conftest import start_audited


async def _start(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "kube", "apiserver", "--store", f"sqlite:{tmp_path / 's.db'}",
            "--secure-port", "1", "--audit-log-path", str(tmp_path / "audit.log"), *flags]
    return await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("policy", "flags", "message"), [
    ("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n", (),
     "rules[0].level: Unsupported value: 'Loud'"),
    ("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None}]\n", ("--audit-log-format", "legacy"),
     "--audit-log-format 'legacy' is not supported: only json"),
    ("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None}]\n", ("--audit-log-maxbackup", "-1"),
     "--audit-log-maxbackup must not be negative"),
])
async def test_a_bad_policy_or_flag_is_one_line_at_startup(tmp_path: Path, policy: str, flags: tuple[str, ...],
                                                            message: str) -> None:
    (tmp_path / "policy.yaml").write_text(policy)
    done = await _start(tmp_path, "--audit-policy-file", str(tmp_path / "policy.yaml"), *flags)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if line.strip()]) == 1, done.stderr
    assert not (tmp_path / "audit.log").exists()


async def test_the_server_rotates_its_log_by_maxsize_keeping_maxbackup_files(pki_dir: Path, tmp_path: Path) -> None:
    audited = await start_audited(pki_dir, tmp_path, audit_log_maxsize=1, audit_log_maxbackup=2)
    try:
        async with audited.api() as admin:
            assert (await admin.post("/api/v1/namespaces", {"metadata": {"name": "rr"}}))[0] == 201
            for i in range(6):  # RequestResponse in rr: each event ~0.6 MB, so one to a file
                cm = {"metadata": {"name": f"big{i}"}, "data": {"blob": f"{i}" * 300_000}}
                assert (await admin.post("/api/v1/namespaces/rr/configmaps", cm))[0] == 201
    finally:
        await audited.server.stop()
    files = sorted(audited.log.parent.iterdir())
    backups = [p for p in files if p.name != "audit.log"]
    assert len(backups) == 2 and all(p.name.startswith("audit-") and p.suffix == ".log" for p in backups)
    assert all(p.stat().st_size <= 1024 * 1024 for p in files)
    names = [orjson.loads(line)["objectRef"].get("name") for p in [*backups, audited.log]
             for line in p.read_bytes().splitlines()]
    assert names[-3:] == ["big3", "big4", "big5"]  # the newest kept, in order; the oldest rotated away


async def test_kube_apiserver_writes_events_to_stdout_with_dash_and_flushes_them_on_sigterm(
        pki_dir: Path, tmp_path: Path) -> None:
    import ssl
    import urllib.request

    from tests.apiserver.conftest import ADMIN_TOKEN, ca_file
    from tests.conftest import free_port

    (tmp_path / "policy.yaml").write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
                                          "- level: None\n  nonResourceURLs: [/readyz]\n- level: Metadata\n")
    port = free_port()
    out = (tmp_path / "stdout").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "kube", "apiserver", "--store", f"sqlite:{tmp_path / 's.db'}",
                             "--bind-address", "127.0.0.1", "--secure-port", str(port), "--cert-dir", str(pki_dir),
                             "--token-auth-file", str(pki_dir / "tokens.csv"),
                             "--audit-policy-file", str(tmp_path / "policy.yaml"), "--audit-log-path", "-"],
                            stdout=out, stderr=subprocess.PIPE)
    ctx = ssl.create_default_context(cafile=ca_file(pki_dir))

    def get(path: str, token: str = "") -> int:
        req = urllib.request.Request(f"https://127.0.0.1:{port}{path}",
                                     headers={"Authorization": f"Bearer {token}"} if token else {})
        with urllib.request.urlopen(req, context=ctx, timeout=5) as resp:
            return resp.status

    try:
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                if await asyncio.to_thread(get, "/readyz") == 200:
                    break
            except OSError:
                pass
            assert asyncio.get_running_loop().time() < deadline, "the API server did not become ready"
            await asyncio.sleep(0.1)
        assert await asyncio.to_thread(get, "/api/v1/namespaces/kube-system/configmaps", ADMIN_TOKEN) == 200
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 15)
        out.close()
    events = [orjson.loads(line) for line in (tmp_path / "stdout").read_bytes().splitlines() if line.strip()]
    listed = [e for e in events if e["requestURI"] == "/api/v1/namespaces/kube-system/configmaps"]
    assert [e["stage"] for e in listed] == ["RequestReceived", "ResponseComplete"]
    assert listed[1]["verb"] == "list" and listed[1]["user"]["username"] == "kube-admin"
    assert not [e for e in events if e["requestURI"].startswith("/readyz")]
