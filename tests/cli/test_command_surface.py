"""The command surface the issues and ARCHITECTURE.md promise, checked name by name.

Operators (and the acceptance tests) type these commands, flags and JSON fields
exactly as documented, so a renamed flag is a broken promise even when every
unit test still passes. Runtime behaviour of the daemons (health, metrics, log
format, --api-servers) is in test_daemon_surface.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kube import __version__
from kube._fast import ENGINE
from kube.cli.main import build_parser, main
from tests.conftest import free_port

# command words -> every flag the issues / ARCHITECTURE.md name for it, with a sample value
# (None: a switch). Parsing each one must succeed and `--help` must list it.
NAMED_FLAGS: dict[tuple[str, ...], dict[str, str | None]] = {
    ("apiserver",): {
        "--store": "sqlite:/tmp/state.db", "--etcd-servers": "http://127.0.0.1:2379,http://127.0.0.1:2380",
        "--etcd-cafile": "ca.crt", "--etcd-certfile": "c.crt", "--etcd-keyfile": "c.key",
        "--etcd-prefix": "/registry", "--bind-address": "127.0.0.1", "--secure-port": "6443",
        "--tls-cert-file": "s.crt", "--tls-private-key-file": "s.key", "--client-ca-file": "ca.crt",
        "--token-auth-file": "tokens.csv", "--service-cluster-ip-range": "10.96.0.0/12",
        "--service-node-port-range": "30000-32767", "--max-requests-inflight": "400",
    },
    ("scheduler",): {
        "--kubeconfig": "kc", "--config": "sched.yaml", "--leader-elect": None,
        "--leader-elect-lease-duration": "15s", "--api-servers": "https://127.0.0.1:6443",
    },
    ("controller-manager",): {
        "--kubeconfig": "kc", "--leader-elect": None, "--cluster-cidr": "10.244.0.0/16",
        "--node-cidr-mask-size": "24", "--node-monitor-grace-period": "40s",
        "--concurrent-deployment-syncs": "5", "--api-servers": "https://127.0.0.1:6443",
    },
    ("node",): {
        "--kubeconfig": "kc", "--hostname-override": "n1", "--node-labels": "disk=ssd",
        "--register-with-taints": "dedicated=db:NoSchedule", "--runtime": "simulated", "--max-pods": "110",
        "--root-dir": "/tmp/n1", "--count": "3", "--zones": "a,b,c", "--simulated": None, "--labels": "k=v",
        "--api-servers": "https://127.0.0.1:6443",
    },
    ("up",): {"--nodes": "3", "--runtime": "simulated", "--store": "sqlite:/tmp/state.db"},
    ("down",): {"--nodes": "3", "--runtime": "simulated", "--store": "sqlite:/tmp/state.db"},
    ("bench", "scheduler"): {
        "--nodes": "10", "--pods": "20", "--workload": "mixed", "--engine": "python", "--mode": "api",
        "--store": "etcd", "--json": None, "--plot": "t.png",
    },
    ("bench", "api"): {"--store": "etcd", "--json": None},
    ("apply",): {"-f": "-", "--kubeconfig": "kc", "-n": "ns", "--api-servers": "https://127.0.0.1:6443"},
    ("get", "pods"): {"-o": "wide", "-l": "app=web", "-w": None, "-A": None, "-n": "ns", "--kubeconfig": "kc"},
    ("describe", "pod", "p"): {"-n": "ns", "--kubeconfig": "kc"},
    ("delete", "pod", "p"): {"-n": "ns", "--kubeconfig": "kc"},
    ("label", "pod", "p", "a=b"): {"-n": "ns", "--kubeconfig": "kc", "--overwrite": None},
    ("version",): {"-o": "json"},
    ("certs",): {"--cert-dir": "/tmp/pki"},
}

DAEMONS = ["apiserver", "scheduler", "controller-manager", "node", "proxy"]


def _cases() -> list[tuple[tuple[str, ...], str, str | None]]:
    return [(cmd, flag, value) for cmd, flags in NAMED_FLAGS.items() for flag, value in flags.items()]


def kube(*argv: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process: exit codes and stderr as a user sees them."""
    return subprocess.run([sys.executable, "-m", "kube", *argv], capture_output=True, text=True,
                          input=stdin, timeout=timeout)


def one_error_line(stderr: str) -> bool:
    lines = stderr.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr


@pytest.mark.parametrize(("cmd", "flag", "value"), _cases(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else v)
def test_named_flag_is_accepted(cmd: tuple[str, ...], flag: str, value: str | None) -> None:
    argv = [*cmd, flag] + ([] if value is None else [value])
    if cmd == ("apply",) and flag != "-f":
        argv += ["-f", "-"]  # apply requires a source
    args = build_parser(argv).parse_args(argv)
    assert callable(getattr(args, "func", None))
    action = next(a for a in _parser_for(cmd)._actions if flag in a.option_strings)
    parsed = getattr(args, action.dest)
    if value is None:
        assert parsed not in (None, False, 0, "")  # the switch took effect
    elif isinstance(parsed, str):
        assert parsed == value  # plain string flags keep what was typed


@pytest.mark.parametrize("cmd", list(NAMED_FLAGS), ids=" ".join)
def test_help_lists_every_named_flag(cmd: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    words = [w for w in cmd if not ("=" in w or w in ("pods", "pod", "p"))]
    with pytest.raises(SystemExit) as exit_info:
        main([*words, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for flag in NAMED_FLAGS[cmd]:
        assert flag in text.split() or f"{flag}," in text or f"[{flag}" in text, flag


def _parser_for(cmd: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """The argparse parser of a (possibly nested) subcommand."""
    parser = build_parser(list(cmd))
    for word in cmd:
        subs = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subs or word not in subs[0].choices:
            break
        parser = subs[0].choices[word]
    return parser


@pytest.mark.parametrize("daemon", DAEMONS)
def test_every_daemon_answers_version(daemon: str) -> None:
    proc = kube(daemon, "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"kube {daemon} {__version__}"


SHARED_DAEMON_FLAGS = ["--log-file", "/tmp/d.log", "--log-file-max-size", "10", "--log-files-kept", "3", "-v", "2",
                       "--bind-address", "127.0.0.1"]
CLIENT_FLAGS = ["--kubeconfig", "kc", "--api-servers", "https://127.0.0.1:6443"]
ELECTION_FLAGS = ["--leader-elect=false", "--leader-elect-lease-duration", "1m", "--leader-elect-renew-deadline", "40s",
                  "--leader-elect-retry-period", "500ms"]


@pytest.mark.parametrize(("daemon", "extra"), [
    ("apiserver", []), ("scheduler", CLIENT_FLAGS + ELECTION_FLAGS),
    ("controller-manager", CLIENT_FLAGS + ELECTION_FLAGS), ("node", CLIENT_FLAGS), ("proxy", CLIENT_FLAGS),
])
def test_every_daemon_takes_the_shared_flags(daemon: str, extra: list[str]) -> None:
    """One registration (kube/component/flags.py) gives every daemon the same spellings, so
    `kube up` can hand each one its rotating log file."""
    argv = [daemon, *SHARED_DAEMON_FLAGS, *extra]
    args = build_parser(argv).parse_args(argv)
    assert (args.log_file, args.log_file_max_size, args.log_files_kept, args.v) == ("/tmp/d.log", 10.0, 3, 2)
    if "--leader-elect-lease-duration" in extra:
        assert (args.leader_elect, args.leader_elect_lease_duration, args.leader_elect_renew_deadline,
                args.leader_elect_retry_period) == (False, 60.0, 40.0, 0.5)


def test_a_daemon_with_a_log_file_says_why_it_exited_there_too(tmp_path: Path) -> None:
    log = tmp_path / "cm.log"
    proc = kube("controller-manager", "--kubeconfig", str(tmp_path / "missing"), "--log-file", str(log), timeout=60)
    assert proc.returncode == 1 and one_error_line(proc.stderr), proc.stderr
    assert "ERROR component.daemon: exiting: " in log.read_text()


def test_top_level_version() -> None:
    proc = kube("--version")
    assert proc.returncode == 0 and __version__ in proc.stdout


@pytest.mark.parametrize("argv", [
    *[[cmd, "--no-such-flag"] for cmd in (*DAEMONS, "up", "down", "version", "certs", "apply", "get",
                                           "describe", "delete", "label")],
    ["bench", "scheduler", "--no-such-flag"], ["bench", "api", "--no-such-flag"],
    ["images", "build", "--no-such-flag"], ["no-such-command"], ["--no-such-flag"],
    ["apiserver", "--secure-port", "many"], ["apiserver", "--store", "mysql:x"], ["apiserver"],
    ["apiserver", "--store", "sqlite:/tmp/x.db", "--tls-cert-file", "only.crt"],
    ["scheduler", "--leader-elect-lease-duration", "soon"], ["scheduler", "--leader-elect=maybe"],
    ["controller-manager", "--cluster-cidr", "x"], ["controller-manager", "--concurrent-deployment-syncs", "0"],
    ["node", "--runtime", "podman"], ["node", "--max-pods", "0"], ["node", "--simulated", "--count", "0"],
    ["node", "--simulated", "--node-labels", "=x"], ["node", "--register-with-taints", "a=b:Sometimes"],
    ["up", "--nodes", "0"], ["up", "--store", "mysql:x"], ["up", "--runtime", "podman"],
    ["bench", "scheduler", "--workload", "nope"], ["bench", "scheduler", "--engine", "java"],
    ["bench", "scheduler", "--mode", "fast"], ["bench", "api", "--store", "redis"],
    ["get", "pods", "-o", "xml"], ["version", "-o", "xml"],
], ids=" ".join)
def test_bad_flags_give_one_line_and_non_zero_exit(argv: list[str]) -> None:
    proc = kube(*argv)
    assert proc.returncode != 0
    assert one_error_line(proc.stderr), proc.stderr


def test_apiserver_start_errors_are_one_line(tmp_path: Path) -> None:
    base = ["apiserver", "--store", f"sqlite:{tmp_path / 'state.db'}", "--bind-address", "127.0.0.1",
            "--secure-port", str(free_port()), "--cert-dir", str(tmp_path / "pki")]
    for extra in (["--service-cluster-ip-range", "bogus"], ["--service-node-port-range", "5-2"],
                  ["--token-auth-file", str(tmp_path / "no-tokens.csv")],
                  ["--tls-cert-file", str(tmp_path / "x.crt"), "--tls-private-key-file", str(tmp_path / "x.key")]):
        proc = kube(*base, *extra, timeout=60)
        assert proc.returncode != 0 and one_error_line(proc.stderr), (extra, proc.stderr)
        assert "internal error" not in proc.stderr


def test_bench_plot_to_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    proc = kube("bench", "scheduler", "--nodes", "4", "--pods", "8", "--no-progress",
                "--plot", str(tmp_path / "missing-dir" / "t.png"))
    assert proc.returncode != 0 and one_error_line(proc.stderr)


def test_unreachable_kubeconfig_is_one_line_for_each_component(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-kubeconfig")
    for argv in (["scheduler", "--kubeconfig", missing], ["controller-manager", "--kubeconfig", missing],
                 ["node", "--simulated", "--kubeconfig", missing], ["get", "pods", "--kubeconfig", missing]):
        proc = kube(*argv, timeout=60)
        assert proc.returncode != 0 and one_error_line(proc.stderr), (argv, proc.stderr)


def test_version_names_the_active_engine() -> None:
    text = kube("version")
    assert text.returncode == 0 and f"engine: {ENGINE}" in text.stdout
    data = json.loads(kube("version", "-o", "json").stdout)
    assert data["engine"] == ENGINE and data["version"] == __version__
    assert {"python", "cython", "platform"} <= data.keys()


def test_version_says_python_when_the_extensions_are_missing() -> None:
    """A checkout without built extensions runs on the twins and says so."""
    block = ("import sys, importlib.abc\n"
             "class Block(importlib.abc.MetaPathFinder):\n"
             "    def find_spec(self, name, path, target=None):\n"
             "        if name in ('kube._fast.score', 'kube._fast.selector_index'):\n"
             "            raise ImportError(name)\n"
             "sys.meta_path.insert(0, Block())\n"
             "from kube.cli.main import main\n"
             "sys.exit(main(['version', '-o', 'json']))\n")
    proc = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout)["engine"] == "python"


SCHEDULER_BENCH_FIELDS = {"pods_per_second", "p50_ms", "p99_ms", "scheduled", "unschedulable", "nodes", "pods",
                          "workload", "engine", "mode", "commit", "python", "cython", "cpu"}


@pytest.mark.parametrize(("workload", "engine"), [
    ("basic", "cython"), ("basic", "python"), ("spread", "cython"), ("preferred-spread", "python"),
    ("node-affinity", "cython"), ("anti-affinity", "python"), ("mixed", "cython"),
])
def test_bench_scheduler_json_has_the_named_fields(workload: str, engine: str) -> None:
    if engine == "cython" and ENGINE != "cython":
        pytest.skip("the Cython extensions are not built")
    proc = kube("bench", "scheduler", "--nodes", "12", "--pods", "30", "--workload", workload, "--engine", engine,
                "--mode", "algorithm", "--json", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)  # one JSON object: the whole of stdout
    assert SCHEDULER_BENCH_FIELDS <= report.keys()
    assert (report["nodes"], report["pods"], report["workload"], report["engine"], report["mode"]) == \
           (12, 30, workload, engine, "algorithm")
    assert report["scheduled"] + report["unschedulable"] == 30
    assert report["pods_per_second"] > 0 and 0 <= report["p50_ms"] <= report["p99_ms"]


def test_bench_scheduler_api_mode_on_the_embedded_store() -> None:
    proc = kube("bench", "scheduler", "--mode", "api", "--store", "sqlite", "--nodes", "5", "--pods", "20",
                "--json", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert SCHEDULER_BENCH_FIELDS <= report.keys()
    assert report["mode"] == "api" and report["scheduled"] == 20 and report["unschedulable"] == 0


def test_bench_api_json_is_one_object() -> None:
    proc = kube("bench", "api", "--store", "sqlite", "--creates", "40", "--gets", "40", "--list-objects", "10",
                "--list-rounds", "2", "--watchers", "2", "--watch-events", "3", "--processes", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["store"] == "sqlite" and report["creates_per_second"] > 0 and report["gets_per_second"] > 0
    assert {"commit", "python", "cython", "cpu"} <= report.keys()


def test_up_store_accepts_the_bare_backend_name(tmp_path: Path) -> None:
    """`kube up --store sqlite` means the default file, as `kube bench --store sqlite` reads."""
    from kube.local.layout import ClusterDir
    from kube.local.plan import store_flags

    cluster = ClusterDir(tmp_path)
    assert store_flags(cluster, "sqlite") == store_flags(cluster, "") == ["--store", f"sqlite:{cluster.state_db}"]
    assert store_flags(cluster, "etcd:http://127.0.0.1:2379") == ["--etcd-servers", "http://127.0.0.1:2379"]
