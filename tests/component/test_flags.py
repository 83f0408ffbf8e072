"""The flags every daemon shares: one spelling, one validation, each daemon's own defaults."""

from __future__ import annotations

import argparse

import pytest

from kube import __version__
from kube.component.errors import UsageError
from kube.component.flags import add_daemon_flags, add_serving_flags, api_servers
from kube.component.leadership import add_leader_election_flags, leader_election_config


def daemon_parser(**serving: object) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kube demo", exit_on_error=False)
    add_daemon_flags(p, "demo", verbosity=1)
    add_leader_election_flags(p, default=True, lease_name="kube-demo")
    add_serving_flags(p, **serving)  # type: ignore[arg-type]
    return p


def test_defaults() -> None:
    args = daemon_parser(port=10257).parse_args([])
    assert (args.kubeconfig, args.api_servers, args.v, args.log_file) == (None, "", 1, "")
    assert (args.leader_elect, args.leader_elect_lease_duration, args.leader_elect_renew_deadline,
            args.leader_elect_retry_period) == (True, 15.0, 10.0, 2.0)
    assert (args.bind_address, args.port) == ("127.0.0.1", 10257)


def test_version_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        daemon_parser().parse_args(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.strip() == f"kube demo {__version__}"


def test_api_servers_override_list() -> None:
    p = daemon_parser()
    assert api_servers(p.parse_args([])) is None
    assert api_servers(p.parse_args(["--api-servers", "https://a:6443, https://b:6443,"])) == \
        ["https://a:6443", "https://b:6443"]


def test_durations_and_verbosity_spellings() -> None:
    args = daemon_parser().parse_args(["--leader-elect-lease-duration", "1m", "--leader-elect-renew-deadline=40s",
                                       "--leader-elect-retry-period", "500ms", "-v", "4"])
    assert (args.leader_elect_lease_duration, args.leader_elect_renew_deadline,
            args.leader_elect_retry_period, args.v) == (60.0, 40.0, 0.5, 4)
    assert daemon_parser().parse_args(["--v=2"]).v == 2


def test_own_port_flag_name_and_default() -> None:
    args = daemon_parser(bind_address="0.0.0.0", port=6443, port_flag="--secure-port").parse_args([])
    assert (args.bind_address, args.secure_port) == ("0.0.0.0", 6443)
    assert not hasattr(daemon_parser().parse_args([]), "port")  # port=None: the daemon adds its own


@pytest.mark.parametrize("argv", [["--port", "65536"], ["--port", "-1"], ["--port", "web"],
                                  ["--leader-elect-retry-period", "soon"], ["--leader-elect=maybe"]])
def test_bad_values_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(argparse.ArgumentError):
        daemon_parser(port=0).parse_args(argv)


def test_leader_election_config_is_validated_in_one_place() -> None:
    p = daemon_parser()
    config = leader_election_config(p.parse_args(["--leader-elect-lease-duration", "4s",
                                                  "--leader-elect-renew-deadline", "3s",
                                                  "--leader-elect-retry-period", "1s"]), "kube-demo")
    assert config is not None
    assert (config.lease_name, config.namespace, config.lease_duration, config.renew_deadline,
            config.retry_period) == ("kube-demo", "kube-system", 4.0, 3.0, 1.0)
    assert config.identity  # host_pid_nonce
    assert leader_election_config(p.parse_args(["--leader-elect=false", "--leader-elect-lease-duration", "1s"]),
                                  "kube-demo") is None  # timings only matter when electing
    for argv in (["--leader-elect-lease-duration", "1s", "--leader-elect-renew-deadline", "5s"],
                 ["--leader-elect-renew-deadline", "2s", "--leader-elect-retry-period", "2s"],
                 ["--leader-elect-retry-period", "0s"]):
        with pytest.raises(UsageError, match="--leader-elect-lease-duration > --leader-elect-renew-deadline"):
            leader_election_config(p.parse_args(argv), "kube-demo")
