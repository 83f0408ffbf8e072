"""One line per event, `TIME LEVEL name: message`, for every daemon."""

from __future__ import annotations

import argparse
import io
import logging
import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.component.logs import add_log_flags, setup_logging, setup_logging_from

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


def test_log_file_rotates_by_size_and_keeps_n_files(restore_root: None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    parser = argparse.ArgumentParser()
    add_log_flags(parser)
    path = tmp_path / "scheduler.log"
    args = parser.parse_args(["--log-file", str(path), "--log-file-max-size", "0.001", "--log-files-kept", "2"])
    setup_logging_from(args)
    for i in range(200):  # ~14 KB through a 1 KB limit: several rollovers
        logging.getLogger("kube.scheduler").info("line %03d of the rotation test", i)
    logging.getLogger().handlers[0].flush()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["scheduler.log", "scheduler.log.1", "scheduler.log.2"]  # older ones were dropped
    assert all(p.stat().st_size <= 1100 for p in tmp_path.iterdir())
    newest = path.read_text().splitlines()
    assert newest[-1].endswith("line 199 of the rotation test") and all(LINE.match(x) for x in newest)


def test_log_file_without_limit_never_rotates(restore_root: None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    setup_logging(0, log_file=str(tmp_path / "a.log"), max_size_mb=0)
    for i in range(300):
        logging.getLogger("kube.node").warning("entry %d", i)
    logging.getLogger().handlers[0].flush()
    assert [p.name for p in tmp_path.iterdir()] == ["a.log"]
    assert len((tmp_path / "a.log").read_text().splitlines()) == 300


def test_unwritable_log_file_fails_before_touching_the_handlers(restore_root: None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    setup_logging(0, out)
    with pytest.raises(OSError):
        setup_logging(0, log_file=str(tmp_path / "missing-dir" / "x.log"))
    logging.getLogger("kube.x").info("still here")
    assert "still here" in out.getvalue()


@pytest.mark.parametrize("argv", [["--log-file-max-size", "-1"], ["--log-file-max-size", "big"],
                                  ["--log-files-kept", "0"], ["--v", "loud"]])
def test_bad_log_flags_are_refused(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_log_flags(parser)
    with pytest.raises(argparse.ArgumentError):
        parser.parse_args(argv)
