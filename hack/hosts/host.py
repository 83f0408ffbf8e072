"""One test host: commands through `docker exec` (no SSH needed), the wheel into
/opt/kube/<version>/, and daemons as transient systemd units (`systemd-run`), so
cross-host tests can start components without waiting for the playbooks."""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

WHEEL_NAME = re.compile(r"^kube-(?P<version>[^-]+)-cp\d+-[^-]+-[^-]+\.whl$")
WHEELHOUSE = "/var/tmp/kube-wheels"


class HostError(RuntimeError):
    """A command on a host failed; the message names the host and the command."""


def wheel_version(wheel: Path) -> str:
    m = WHEEL_NAME.match(wheel.name)
    if not m:
        raise HostError(f"{wheel.name} is not a kube wheel (kube-<version>-cp311-...whl)")
    return m.group("version")


@dataclass(frozen=True)
class Host:
    name: str
    ip: str
    user: str
    key: Path

    def exec(self, *argv: str, check: bool = True, input: str | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess:
        proc = subprocess.run(["docker", "exec", "-i", self.name, *argv], capture_output=True, text=True,
                              errors="replace", input=input, timeout=timeout)
        if check and proc.returncode != 0:
            raise HostError(f"{self.name}: {shlex.join(argv)[:120]} failed ({proc.returncode}): "
                            f"{(proc.stderr or proc.stdout).strip()[-400:]}")
        return proc

    def sh(self, script: str, **kw) -> subprocess.CompletedProcess:
        return self.exec("sh", "-c", script, **kw)

    def ssh_argv(self, ssh_config: Path, *command: str) -> list[str]:
        """`ssh -F <ssh_config> <host> <command>`, the way a person or Ansible reaches it."""
        return ["ssh", "-F", str(ssh_config), self.name, *command]

    # --- kube on the host ---

    def install_wheel(self, wheel: Path, wheelhouse: Path) -> str:
        """Install the wheel (and its dependencies from `wheelhouse`, made by
        hack.hosts.wheelhouse) into /opt/kube/<version>; /opt/kube/current and
        /usr/local/bin/kube point at it. Returns the version."""
        version = wheel_version(wheel)
        prefix = f"/opt/kube/{version}"
        self.exec("rm", "-rf", WHEELHOUSE)
        subprocess.run(["docker", "cp", str(wheelhouse), f"{self.name}:{WHEELHOUSE}"], check=True,
                       capture_output=True)
        subprocess.run(["docker", "cp", str(wheel), f"{self.name}:{WHEELHOUSE}/{wheel.name}"], check=True,
                       capture_output=True)
        self.sh(f"test -x {prefix}/bin/python || python3 -m venv {prefix}")
        pip = [f"{prefix}/bin/pip", "install", "-q", "--no-index", "--find-links", WHEELHOUSE]
        self.exec(*pip, f"{WHEELHOUSE}/{wheel.name}")
        # a rebuilt wheel of the same version replaces the installed one
        self.exec(*pip, "--force-reinstall", "--no-deps", f"{WHEELHOUSE}/{wheel.name}")
        self.sh(f"ln -sfn {prefix} /opt/kube/current && ln -sfn /opt/kube/current/bin/kube /usr/local/bin/kube"
                f" && rm -rf {WHEELHOUSE}")
        return version

    def start_daemon(self, unit: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        """Run `argv` as the transient unit `unit` (logs: `journalctl -u unit`); a unit of
        that name left from before is stopped first."""
        self.stop_daemon(unit)
        props = [f"--setenv={k}={v}" for k, v in (env or {}).items()]
        self.exec("systemd-run", f"--unit={unit}", "--property=KillMode=mixed", *props, "--", *argv)

    def stop_daemon(self, unit: str) -> None:
        self.exec("systemctl", "stop", unit, check=False)
        self.exec("systemctl", "reset-failed", unit, check=False)

    def daemon_state(self, unit: str) -> str:
        return self.exec("systemctl", "is-active", unit, check=False).stdout.strip()

    def journal(self, unit: str, lines: int = 50) -> str:
        return self.exec("journalctl", "-u", unit, "-n", str(lines), "--no-pager", check=False).stdout
