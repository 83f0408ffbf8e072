"""`kube scheduler` as operators run it: flags, one-line errors, /healthz, /metrics, and it schedules."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kube import __version__
from kube.api.registry import resolve
from kube.client.rest import RestClient
from tests.apiserver.conftest import (  # noqa: F401 - fixtures
    ADMIN_TOKEN,
    ca_file,
    eventually,
    pki_dir,
    server_process,
    write_kubeconfig,
)
from tests.scheduler.objects import node, pod
from tests.scheduler.scheduler_process import SchedulerProcess

POD, NODE, LEASE = resolve("pods"), resolve("nodes"), resolve("leases")


def kube(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kube", "scheduler", *argv], capture_output=True, text=True,
                          timeout=60)


def test_version() -> None:
    out = kube("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"kube scheduler {__version__}"


@pytest.mark.parametrize("argv", [
    ("--no-such-flag",),
    ("--leader-elect-lease-duration", "soon"),
    ("--secure-port", "not-a-port"),
    ("--engine", "fortran"),
])
def test_bad_flag_is_one_line_and_nonzero(argv: tuple[str, ...]) -> None:
    out = kube(*argv)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error:")
    assert "Traceback" not in out.stderr


def test_bad_lease_timings_are_one_line(tmp_path: Path) -> None:
    out = kube("--kubeconfig", str(tmp_path / "none"), "--leader-elect", "--leader-elect-lease-duration", "1s",
               "--leader-elect-renew-deadline", "5s")
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0
    assert "--leader-elect-renew-deadline" in out.stderr


def test_missing_kubeconfig_is_one_line(tmp_path: Path) -> None:
    out = kube("--kubeconfig", str(tmp_path / "missing.yaml"))
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0, out.stderr
    assert out.stderr.startswith("error:")


async def test_serves_health_and_metrics_and_schedules(server_process, pki_dir: Path,  # noqa: F811
                                                       tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server_process.url, ca_file(pki_dir), ADMIN_TOKEN)
    sched = SchedulerProcess(kubeconfig, tmp_path, "scheduler")
    client = RestClient.from_kubeconfig(str(kubeconfig))
    try:
        sched.wait_serving()
        assert sched.get("/readyz") == "ok"
        await client.create(NODE, node("small", cpu="1"))
        await client.create(NODE, node("big", cpu="8"))
        p = pod("web", cpu="2")
        del p["metadata"]["uid"]
        await client.create(POD, p, "default")

        async def bound() -> str | None:
            return (await client.get(POD, "web", "default"))["spec"].get("nodeName")

        assert await eventually(bound, timeout=30) == "big"  # the only node with 2 CPUs free
        text = sched.get("/metrics")
        families = {f.name: f for f in text_string_to_metric_families(text)}  # as Prometheus parses it
        assert families["scheduler_schedule_attempts"].type == "counter"
        assert families["scheduler_scheduling_attempt_duration_seconds"].type == "histogram"
        assert sched.metric("scheduler_schedule_attempts_total", result="scheduled") == 1
        assert sched.metric("leader_election_master_status") == 1  # no election: always working
        assert sched.bound() == [("default/web", "big")]
    finally:
        await client.close()
        assert sched.stop() == 0, sched.log()  # SIGTERM: a clean exit


@pytest.mark.timeout(120)
async def test_losing_the_lease_steps_down_and_leads_again_without_exiting(server_process, pki_dir: Path,  # noqa: F811
                                                                          tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server_process.url, ca_file(pki_dir), ADMIN_TOKEN)
    sched = SchedulerProcess(kubeconfig, tmp_path, "elected", leader_elect=True)
    client = RestClient.from_kubeconfig(str(kubeconfig))
    try:
        sched.wait_serving()

        async def status(value: int) -> bool:
            return sched.metric("leader_election_master_status") == value

        await eventually(lambda: status(1), timeout=30)
        # another holder writes itself into the Lease: the scheduler cannot renew and steps down
        lease = await client.get(LEASE, "kube-scheduler", "kube-system")
        lease["spec"].update(holderIdentity="intruder", leaseDurationSeconds=4)
        await client.update(LEASE, lease, "kube-system")
        await eventually(lambda: status(0), timeout=30)
        with pytest.raises(urllib.error.HTTPError) as not_ready:
            sched.get("/readyz")
        assert not_ready.value.code == 503
        assert sched.proc.poll() is None  # stepped down, still running

        # the intruder never renews: the scheduler takes the Lease back and schedules again
        await client.create(NODE, node("after", cpu="4"))
        p = pod("late", cpu="1")
        del p["metadata"]["uid"]
        await client.create(POD, p, "default")

        async def bound() -> str | None:
            return (await client.get(POD, "late", "default"))["spec"].get("nodeName")

        assert await eventually(bound, timeout=60) == "after"
        assert sched.metric("leader_election_master_status") == 1 and sched.get("/readyz") == "ok"
        assert sched.proc.poll() is None
        assert "stepped down, campaigning again" in sched.log()
    finally:
        await client.close()
        assert sched.stop() == 0, sched.log()
