"""Tests marked `playbooks` run the playbooks on test hosts (minutes each): only
`make test-playbooks` (`-m playbooks`) runs them; `make test` runs the fast lint and
validation tests beside them."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "playbooks" in (config.option.markexpr or ""):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("playbooks") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
