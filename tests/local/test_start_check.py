"""`kube up` names a component that dies at start, even one slow to get there on a busy machine."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kube.cli.main import CliError
from kube.local import processes
from kube.local.layout import ClusterDir
from kube.local.up_command import check_still_running


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ClusterDir]:
    c = ClusterDir(tmp_path / "cluster")
    c.create()
    yield c
    for pid_file in c.run.glob("*.pid"):
        processes.stop(c, pid_file.stem, timeout=5)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_slow_starter_that_then_dies_is_named_with_its_last_line(cluster: ClusterDir) -> None:
    # silent for longer than the settle time (slow imports), then a flag error
    processes.start(cluster, "controller-manager", python(
        "import sys, time; time.sleep(1.5); print('error: address already in use', file=sys.stderr); sys.exit(1)"))
    processes.start(cluster, "scheduler", python("import time; print('up', flush=True); time.sleep(60)"))
    with pytest.raises(CliError) as caught:
        check_still_running(cluster, ["controller-manager", "scheduler"], settle=1.0)
    assert str(caught.value).startswith("controller-manager exited at start: error: address already in use")
    assert str(cluster.out_file("controller-manager")) in str(caught.value)


def test_components_that_speak_and_stay_pass_after_the_settle_time(cluster: ClusterDir) -> None:
    processes.start(cluster, "scheduler", python("import time; time.sleep(0.5); print('up', flush=True); "
                                                 "time.sleep(60)"))
    started = time.monotonic()
    check_still_running(cluster, ["scheduler"], settle=0.5)
    assert 1.0 <= time.monotonic() - started < 5


def test_a_silent_component_is_waited_for_only_as_long_as_the_patience(cluster: ClusterDir) -> None:
    processes.start(cluster, "scheduler", python("import time; time.sleep(60)"))
    started = time.monotonic()
    check_still_running(cluster, ["scheduler"], settle=0.2, patience=1.0)
    assert 1.0 <= time.monotonic() - started < 4


def test_the_log_of_an_earlier_run_does_not_count_as_speaking(cluster: ClusterDir) -> None:
    cluster.log_file("scheduler").write_text("2026-01-01T00:00:00Z INFO scheduler: an earlier run\n")
    time.sleep(0.05)
    processes.start(cluster, "scheduler", python(
        "import sys, time; time.sleep(1.2); print('boom', file=sys.stderr); sys.exit(1)"))
    with pytest.raises(CliError, match="scheduler exited at start: boom"):
        check_still_running(cluster, ["scheduler"], settle=0.5)
