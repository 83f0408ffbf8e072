"""No source file under kube/ or tests/ grows past 450 lines: a file that long holds more than one concept
(split it), or a table (move it to a data file). Generated code (the etcd protobuf stubs) aside."""

from __future__ import annotations

from pathlib import Path

KUBE = Path(__file__).resolve().parent.parent / "kube"
TESTS = Path(__file__).resolve().parent
MAX_LINES = 450
SUFFIXES = {".py", ".pyx", ".pxd", ".pxi"}
GENERATED = (Path("store/etcd/proto"),)  # relative to kube/


def too_long(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in SUFFIXES or any(path.relative_to(root).is_relative_to(g) for g in GENERATED):
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            found.append(f"{path.relative_to(root.parent)}: {lines} lines")
    return found


def test_no_source_file_passes_the_limit() -> None:
    found = too_long(KUBE) + too_long(TESTS)
    assert not found, f"files past {MAX_LINES} lines (split by concept, or move tables to data files):\n" + \
        "\n".join(found)


def test_the_check_sees_a_long_file_and_skips_generated_code(tmp_path: Path) -> None:
    root = tmp_path / "kube"
    (root / "store" / "etcd" / "proto").mkdir(parents=True)
    (root / "long.pyx").write_text("x = 1\n" * (MAX_LINES + 1))
    (root / "short.py").write_text("x = 1\n" * MAX_LINES)
    (root / "table.json").write_text("1\n" * 1000)
    (root / "store" / "etcd" / "proto" / "rpc_pb2.py").write_text("x = 1\n" * 1000)
    assert too_long(root) == [f"kube/long.pyx: {MAX_LINES + 1} lines"]
