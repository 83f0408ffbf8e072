"""The message tables hold together: every type resolves, no cycles (so decoding depth is bounded
by the tables), no JSON name claimed twice within one object (inline fields included)."""

from __future__ import annotations

import pytest

from kube.apiserver.protobuf.schema import MESSAGES, OBJECT_MESSAGES, SCALARS, SPECIALS, parse_fields


def test_every_field_type_resolves() -> None:
    unresolved = [(name, f.json_name, f.type) for name, fields in MESSAGES.items() for f in fields.values()
                  if f.type not in SCALARS | SPECIALS | MESSAGES.keys()]
    assert unresolved == []
    assert set(OBJECT_MESSAGES.values()) <= MESSAGES.keys()


def test_tables_have_no_cycles() -> None:
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for field in MESSAGES[name].values():
            if field.type in MESSAGES:
                visit(field.type, (*path, name))
        done.add(name)

    for name in MESSAGES:
        visit(name, ())


def _json_names(name: str) -> list[str]:
    names: list[str] = []
    for field in MESSAGES[name].values():
        names.extend(_json_names(field.type) if field.inline else [field.json_name])
    return names


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_json_names_are_unique_within_an_object(name: str) -> None:
    names = _json_names(name)
    assert len(names) == len(set(names))


def test_marks_parse() -> None:
    fields = parse_fields("1 a string, 2 b Quantity{}, 3 c Container*, 4 d int32!, 5 e ProbeHandler^")
    assert [(f.json_name, f.type, f.card, f.keep_zero, f.inline) for f in fields.values()] == [
        ("a", "string", "", False, False), ("b", "Quantity", "map", False, False),
        ("c", "Container", "list", False, False), ("d", "int32", "", True, False),
        ("e", "ProbeHandler", "", False, True)]
