"""Running the Ansible tools from tests: the venv's binaries, the repository as working
directory, and tests/playbooks/ansible.cfg (no user settings, no colour, profile_tasks on)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.requirements import missing

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PLAYBOOKS = REPO / "playbooks"
CONFIG = REPO / "tests" / "playbooks" / "ansible.cfg"


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        missing(f"{name} (pip install -e '.[test]')")
    return str(path)


def ansible_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update({
        "ANSIBLE_CONFIG": str(CONFIG),  # no user or cwd ansible.cfg changes what we test
        "ANSIBLE_FORCE_COLOR": "0",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    env.update(extra)
    return env


def run(argv: list[str], timeout: float = 600, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=REPO, env=ansible_env(**extra_env), capture_output=True, text=True,
                          timeout=timeout)


def playbook(inventory: Path | str, name: str, *args: str, timeout: float = 1800,
             **extra_env: str) -> subprocess.CompletedProcess[str]:
    """`ansible-playbook -i inventory playbooks/<name> args...`."""
    return run([tool("ansible-playbook"), "-i", str(inventory), str(PLAYBOOKS / name), *args],
               timeout=timeout, **extra_env)
