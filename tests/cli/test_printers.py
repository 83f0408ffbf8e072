"""Table and object printing as kubectl lays them out, and the short age format."""

from __future__ import annotations

import json

import yaml

from kube.api.age import age_since as age_of
from kube.api.age import human_duration as short_age
from kube.api.registry import resolve
from kube.cli.object_printer import name_line, render_objects, with_type
from kube.cli.table_printer import align, list_as_table, table_rows

TABLE = {
    "kind": "Table", "apiVersion": "meta.k8s.io/v1",
    "columnDefinitions": [
        {"name": "Name", "type": "string", "format": "name", "priority": 0},
        {"name": "Ready", "type": "string", "format": "", "priority": 0},
        {"name": "IP", "type": "string", "format": "", "priority": 1},
        {"name": "Nominated Node", "type": "string", "format": "", "priority": 1},
    ],
    "rows": [
        {"cells": ["web-1", "1/1", "10.0.0.12", None], "object": {"metadata": {"name": "web-1", "namespace": "a"}}},
        {"cells": ["db", "0/1", "10.0.0.3", None], "object": {"metadata": {"name": "db", "namespace": "bbbb"}}},
    ],
}


def test_default_columns_hide_priority_one_and_pad_by_three() -> None:
    assert align(table_rows(TABLE)) == [
        "NAME    READY",
        "web-1   1/1",
        "db      0/1",
    ]


def test_wide_shows_every_column_and_none_cells() -> None:
    lines = align(table_rows(TABLE, wide=True))
    assert lines[0] == "NAME    READY   IP          NOMINATED NODE"
    assert lines[1] == "web-1   1/1     10.0.0.12   <none>"


def test_all_namespaces_puts_namespace_first_and_kind_prefix_on_names() -> None:
    lines = align(table_rows(TABLE, with_namespace=True, name_prefix="pod/"))
    assert lines == [
        "NAMESPACE   NAME        READY",
        "a           pod/web-1   1/1",
        "bbbb        pod/db      0/1",
    ]


def test_rows_without_header_for_watch_events() -> None:
    assert len(table_rows(TABLE, header=False)) == 2


def test_plain_list_falls_back_to_name_and_age() -> None:
    table = list_as_table([{"metadata": {"name": "x", "creationTimestamp": "2020-01-01T00:00:00Z"}}],
                          now=1577836800 + 150)
    assert align(table_rows(table)) == ["NAME   AGE", "x      2m30s"]


def test_short_age_matches_kubectl() -> None:
    cases = {0: "0s", 59: "59s", 119: "119s", 150: "2m30s", 600: "10m", 3 * 3600: "3h", 3 * 3600 + 60: "3h1m",
             9 * 3600: "9h", 50 * 3600: "2d2h", 10 * 86400: "10d", 800 * 86400: "2y70d", -5: "<invalid>"}
    assert {k: short_age(k) for k in cases} == cases
    assert age_of(None) == "<unknown>" and age_of("garbage") == "<unknown>"


def test_objects_render_as_one_object_or_a_list() -> None:
    pods = resolve("pods")
    assert pods is not None
    obj = with_type(pods, {"metadata": {"name": "p"}})
    assert obj["kind"] == "Pod" and obj["apiVersion"] == "v1"
    assert yaml.safe_load(render_objects([obj], "yaml", single=True))["metadata"]["name"] == "p"
    doc = json.loads(render_objects([obj, obj], "json", single=False))
    assert doc["kind"] == "List" and len(doc["items"]) == 2
    deploy = resolve("deploy")
    assert deploy is not None and name_line(deploy, {"metadata": {"name": "web"}}) == "deployment.apps/web"
