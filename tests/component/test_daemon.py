"""run_daemon: uvloop, SIGTERM/SIGINT set the stop event, and the one-line exit of every daemon.

Each case runs a tiny daemon in a child process, as operators and `kube up` run the real ones,
so signals, stderr and the exit code are the process's own."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DAEMON = """
import argparse, asyncio, sys
from kube.component.daemon import run_daemon
from kube.component.errors import UsageError
from kube.component.flags import add_daemon_flags
from kube.client.errors import ConfigError

parser = argparse.ArgumentParser()
add_daemon_flags(parser, "demo")
args = parser.parse_args(sys.argv[2:])

async def main(stop):
    import logging, uvloop
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
    logging.getLogger("kube.demo").info("started")
    print("started", flush=True)
    case = sys.argv[1]
    if case == "usage":
        raise UsageError("--thing must be\\npositive")
    if case == "config":
        raise ConfigError("kubeconfig /nope: no such file")
    if case == "oserror":
        open("/nonexistent-dir/x")
    if case == "crash":
        await asyncio.sleep(0.1)
        raise KeyError("lost")
    await stop.wait()
    logging.getLogger("kube.demo").info("stopping in order")
    return 3 if case == "code" else None

sys.exit(run_daemon(args, main))
"""


def start(case: str, *flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(DAEMON), case, *flags], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_sets_stop_and_main_returns_cleanly(sig: signal.Signals) -> None:
    proc = start("wait")
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    proc.send_signal(sig)
    code, _out, err = finish(proc)
    assert code == 0, err
    assert "stopping in order" in err and "Traceback" not in err


def test_main_result_is_the_exit_code() -> None:
    proc = start("code")
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    proc.terminate()
    assert finish(proc)[0] == 3


@pytest.mark.parametrize(("case", "line"), [
    ("usage", "error: --thing must be positive"),
    ("config", "error: kubeconfig /nope: no such file"),
    ("oserror", "error: /nonexistent-dir/x: No such file or directory"),
    ("crash", "error: internal error: KeyError: 'lost'"),
])
def test_errors_are_one_line_and_exit_1(case: str, line: str) -> None:
    code, _out, err = finish(start(case, "--log-file", "/dev/null"))
    assert code == 1
    assert err.strip().splitlines() == [line]


def test_crash_is_logged_to_the_log_file_too(tmp_path: Path) -> None:
    log = tmp_path / "demo.log"
    code, _out, err = finish(start("crash", "--log-file", str(log)))
    assert code == 1 and err.strip() == "error: internal error: KeyError: 'lost'"
    lines = log.read_text().splitlines()
    assert lines[0].endswith("INFO demo: started")
    assert lines[-1].endswith("ERROR component.daemon: exiting: internal error: KeyError: 'lost'")


def test_crash_shows_the_traceback_at_v4() -> None:
    code, _out, err = finish(start("crash", "--v", "4"))
    assert code == 1 and "Traceback" in err and err.strip().endswith("error: internal error: KeyError: 'lost'")


def test_unwritable_log_file_is_one_line() -> None:
    code, out, err = finish(start("wait", "--log-file", "/nonexistent-dir/demo.log"))
    assert code == 1 and out == ""
    assert err.strip().splitlines() == ["error: /nonexistent-dir/demo.log: No such file or directory"]

