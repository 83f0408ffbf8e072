"""The playbooks, roles and inventory are lint-clean: ansible-lint at the production
profile, yamllint --strict, and every playbook passes --syntax-check."""

from __future__ import annotations

import pytest

from tests.playbooks.ansible_run import PLAYBOOKS, REPO, run, tool

LINTED = ["playbooks", "roles", "inventory"]
CONFIG = REPO / "tests" / "playbooks"


def test_ansible_lint_production_profile() -> None:
    proc = run([tool("ansible-lint"), "-c", str(CONFIG / "ansible-lint.yml"), "--nocolor", *LINTED], timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "Profile 'production' was required, and it passed" in proc.stderr, proc.stderr[-2000:]


def test_yamllint_strict() -> None:
    proc = run([tool("yamllint"), "--strict", "-c", str(CONFIG / "yamllint.yml"), *LINTED], timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("name", sorted(p.name for p in PLAYBOOKS.glob("*.yml")))
def test_syntax_check(name: str) -> None:
    inventory = REPO / "inventory" / "sample" / "hosts.yml"
    proc = run([tool("ansible-playbook"), "--syntax-check", "-i", str(inventory), str(PLAYBOOKS / name)],
               timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_lint_catches_a_violation(tmp_path) -> None:
    """The lint test can fail: a task without a name and with a bare module is reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text("---\n- name: Bad\n  hosts: all\n  tasks:\n    - shell: echo hi\n")
    proc = run([tool("ansible-lint"), "-c", str(CONFIG / "ansible-lint.yml"), "--nocolor", str(bad)],
               timeout=300)
    assert proc.returncode != 0
    assert "fqcn" in proc.stdout + proc.stderr
