"""Kubernetes' bootstrap FlowSchemas and PriorityLevelConfigurations (bootstrap.json), read once.

The dispatcher classifies with them until the API objects exist, and — as Kubernetes'
config controller "imagines" them — puts the mandatory ones (exempt, catch-all) back
whenever the objects it reads lack one, so a request always has somewhere to go.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from kube.api.meta import Obj

DATA = Path(__file__).with_name("bootstrap.json")


@functools.cache
def _document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DATA.read_text())
    return doc


def objects(part: str) -> tuple[list[Obj], list[Obj]]:
    """(flow schemas, priority levels) of "mandatory" or "suggested"."""
    section = _document()[part]
    return list(section["flowSchemas"]), list(section["priorityLevelConfigurations"])


def defaults() -> tuple[list[Obj], list[Obj]]:
    """Every bootstrap object: what a fresh cluster is configured with."""
    fs, pl = objects("mandatory")
    more_fs, more_pl = objects("suggested")
    return fs + more_fs, pl + more_pl


def with_mandatory(flow_schemas: list[Obj], priority_levels: list[Obj]) -> tuple[list[Obj], list[Obj]]:
    """The objects plus each mandatory one whose name none of them has."""
    mandatory_fs, mandatory_pl = objects("mandatory")
    have_fs = {o["metadata"]["name"] for o in flow_schemas}
    have_pl = {o["metadata"]["name"] for o in priority_levels}
    return ([*flow_schemas, *(o for o in mandatory_fs if o["metadata"]["name"] not in have_fs)],
            [*priority_levels, *(o for o in mandatory_pl if o["metadata"]["name"] not in have_pl)])
