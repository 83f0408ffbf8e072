"""The stamped wheel on a host: /opt/kube/<version>/ with only that wheel, `kube version`
says the stamped version and the Cython engine, and a daemon started with `docker exec`
(a transient systemd unit) serves the API with that version to the outer machine."""

from __future__ import annotations

import json
import ssl
import time
import urllib.request

import pytest

from hack.hosts.host import Host, HostError, wheel_version
from tests.fixtures.hosts import STAMPED_VERSION

pytestmark = pytest.mark.hosts


@pytest.fixture(scope="module")
def installed(make_hosts, kube_wheel, wheelhouse) -> Host:
    host = make_hosts(2)[0]
    assert host.install_wheel(kube_wheel, wheelhouse) == STAMPED_VERSION
    return host


def test_wheel_is_stamped_and_compiled(kube_wheel) -> None:
    assert wheel_version(kube_wheel) == STAMPED_VERSION
    assert "-cp311-" in kube_wheel.name


def test_kube_version_on_the_host(installed: Host) -> None:
    data = json.loads(installed.exec("kube", "version", "-o", "json").stdout)
    assert data["version"] == STAMPED_VERSION
    assert data["engine"] == "cython"
    assert installed.exec("readlink", "/opt/kube/current").stdout.strip() == f"/opt/kube/{STAMPED_VERSION}"
    # the venv holds the wheel, not the source tree
    where = installed.exec(f"/opt/kube/{STAMPED_VERSION}/bin/python", "-c",
                           "import kube; print(kube.__file__)").stdout.strip()
    assert where.startswith(f"/opt/kube/{STAMPED_VERSION}/lib/")


def test_not_a_kube_wheel_is_refused(installed: Host, tmp_path) -> None:
    bogus = tmp_path / "other-1.0-py3-none-any.whl"
    bogus.write_bytes(b"")
    with pytest.raises(HostError, match="not a kube wheel"):
        installed.install_wheel(bogus, tmp_path)


def test_a_daemon_started_on_the_host_answers_with_the_stamped_version(installed: Host) -> None:
    unit = "kube-apiserver-test"
    installed.sh("mkdir -p /var/lib/kube-test && rm -f /var/lib/kube-test/state.db")
    installed.start_daemon(unit, ["/usr/local/bin/kube", "apiserver", "--store", "sqlite:/var/lib/kube-test/state.db",
                                  "--cert-dir", "/var/lib/kube-test/certs", "--secure-port", "16443"])
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        deadline, last = time.monotonic() + 120, None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"https://{installed.ip}:16443/version", context=ctx, timeout=5) as r:
                    info = json.load(r)
                break
            except OSError as e:
                last = e
                assert installed.daemon_state(unit) in ("active", "activating"), installed.journal(unit)
                time.sleep(1)
        else:
            pytest.fail(f"the API server on {installed.name} did not answer: {last}\n{installed.journal(unit)}")
        assert info["gitCommit"] == f"kube-{STAMPED_VERSION}"
    finally:
        installed.stop_daemon(unit)
    assert installed.daemon_state(unit) in ("inactive", "unknown")
