"""`kube apiserver` as a child process on a free loopback port: for `kube bench api` and
the end-to-end tests, which must drive the server exactly as operators start it.

The PKI (CA, serving and admin client certificates) is generated into `cert_dir`
before the start, so the caller can trust the server and authenticate as admin.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from kube.apiserver.auth.pki import PkiPaths, ensure_pki
from kube.local.etcd_members import loopback_port
from kube.local.readiness import wait_ready


class ApiServerFailed(RuntimeError):
    """The server exited or did not become ready; carries the tail of its log."""


@dataclass
class ApiServerProcess:
    workdir: Path
    store_args: list[str]  # ["--store", "sqlite:PATH"] or ["--etcd-servers", "URL,...", "--etcd-prefix", ...]
    cert_dir: Path | None = None
    token_file: Path | None = None
    extra_args: list[str] = field(default_factory=list)
    port: int = field(default_factory=loopback_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def pki(self) -> PkiPaths:
        return PkiPaths.in_dir(str(self.cert_dir or self.workdir / "pki"))

    @property
    def log_path(self) -> Path:
        return self.workdir / "apiserver.log"

    def argv(self) -> list[str]:
        argv = [sys.executable, "-m", "kube", "apiserver", *self.store_args, "--bind-address", "127.0.0.1",
                "--secure-port", str(self.port), "--cert-dir", str(self.cert_dir or self.workdir / "pki")]
        if self.token_file is not None:
            argv += ["--token-auth-file", str(self.token_file)]
        return argv + self.extra_args

    def start(self, timeout: float = 60.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        ensure_pki(str(self.cert_dir or self.workdir / "pki"), ["127.0.0.1", "localhost"])
        setpriv = shutil.which("setpriv")  # the server dies with whoever started it
        prefix = [setpriv, "--pdeathsig", "TERM"] if setpriv else []
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([*prefix, *self.argv()], stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env={**os.environ})
        if not wait_ready(self.url, self.pki.ca_cert, timeout, alive=self.running):
            self.stop()
            raise ApiServerFailed(f"kube apiserver did not become ready:\n{self.log_tail()}")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
