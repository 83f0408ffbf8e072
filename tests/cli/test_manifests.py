"""Reading manifests: multi-document YAML, JSON, List kinds, directories, and errors with lines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kube.cli import manifests
from kube.cli.errors import CliError

MULTI = """\
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
# a comment-only document is skipped
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: team}
data: {when: 2024-01-01, flag: "true"}
"""


def test_multi_document_yaml_skips_empty_and_keeps_timestamps_as_strings(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(MULTI)
    objs = manifests.load([str(tmp_path / "m.yaml")])
    assert [m.obj["kind"] for m in objs] == ["Namespace", "ConfigMap"]
    assert objs[1].obj["data"] == {"when": "2024-01-01", "flag": "true"}
    assert objs[0].source.endswith("m.yaml")


def test_json_files_concatenated_documents_and_lists(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"kind": "List", "apiVersion": "v1", "items": ['
                                     '{"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p1"}}]}\n'
                                     '{"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p2"}}')
    names = [m.obj["metadata"]["name"] for m in manifests.load([str(tmp_path / "a.json")])]
    assert names == ["p1", "p2"]


def test_directories_are_read_recursively_in_order_ignoring_other_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.yml").write_text("kind: B\n")
    (tmp_path / "1.yaml").write_text("kind: A\n")
    (tmp_path / "README.md").write_text("# not a manifest")
    assert [m.obj["kind"] for m in manifests.load([str(tmp_path)])] == ["A", "B"]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("kind: X\n---\nkind: Y\n"))
    objs = manifests.load(["-"])
    assert [(m.source, m.obj["kind"]) for m in objs] == [("STDIN", "X"), ("STDIN", "Y")]


@pytest.mark.parametrize(("name", "text", "match"), [
    ("bad.yaml", "kind: Pod\nmetadata:\n  name: [x\n  other: 1\n", r"bad\.yaml.* line \d+"),
    ("bad.json", '{"kind": "Pod",\n "metadata": }', r"bad\.json: line 2"),
    ("list.yaml", "- a\n- b\n", "not an object"),
])
def test_malformed_input_is_one_clear_error_with_its_line(tmp_path: Path, name: str, text: str, match: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(CliError, match=match) as info:
        manifests.load([str(tmp_path / name)])
    assert "\n" not in str(info.value)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="does not exist"):
        manifests.load([str(tmp_path / "nope.yaml")])
