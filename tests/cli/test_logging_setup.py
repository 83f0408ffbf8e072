"""One line per event, `TIME LEVEL name: message`, for every daemon."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.cli.logging_setup import setup_logging

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (?P<level>[A-Z]+) (?P<name>[\w.]+): (?P<msg>.*)$")


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)


def test_format_level_and_name(restore_root: None) -> None:
    out = io.StringIO()
    setup_logging(0, out)
    logging.getLogger("kube.scheduler").info("bound %s to %s", "default/web-abc", "node-1")
    logging.getLogger("kube.scheduler").debug("not shown below -v 4")
    logging.getLogger("aiohttp.server").warning("slow")
    lines = out.getvalue().splitlines()
    assert [LINE.match(line).group("level", "name", "msg") for line in lines] == [  # type: ignore[union-attr]
        ("INFO", "scheduler", "bound default/web-abc to node-1"), ("WARNING", "aiohttp.server", "slow")]


def test_exceptions_stay_on_the_line_unless_debugging(restore_root: None) -> None:
    out = io.StringIO()
    setup_logging(0, out)
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        logging.getLogger("kube.node").exception("sync failed")
    assert out.getvalue().count("\n") == 1 and "sync failed: ValueError: bad\\nthing" in out.getvalue()
    debug = io.StringIO()
    setup_logging(4, debug)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("kube.node").exception("sync failed")
    assert "Traceback" in debug.getvalue()


def test_setup_replaces_earlier_handlers(restore_root: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    setup_logging(0, first)
    setup_logging(0, second)
    logging.getLogger("kube.x").info("once")
    assert first.getvalue() == "" and second.getvalue().count("once") == 1


@given(st.text(max_size=60))
def test_any_message_is_one_line(message: str) -> None:
    out = io.StringIO()
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        setup_logging(0, out)
        logging.getLogger("kube.prop").warning(message)
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved:
            root.addHandler(h)
        root.setLevel(level)
    text = out.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1 and LINE.match(text.rstrip("\n"))
