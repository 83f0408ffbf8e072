"""Resource arguments and label changes as users type them; mistakes are one clear line."""

from __future__ import annotations

import pytest

from kube.cli.errors import CliError
from kube.cli.kinds import kind_of, split_type_name
from kube.cli.label import parse_changes


def test_kind_name_forms() -> None:
    pairs = split_type_name(["deploy", "a", "b"])
    assert [(k.kind, n) for k, n in pairs] == [("Deployment", "a"), ("Deployment", "b")]
    pairs = split_type_name(["po/x", "svc/y"])
    assert [(k.kind, n) for k, n in pairs] == [("Pod", "x"), ("Service", "y")]
    pairs = split_type_name(["pods,deployments.apps"])
    assert [(k.kind, n) for k, n in pairs] == [("Pod", None), ("Deployment", None)]


@pytest.mark.parametrize(("args", "match"), [
    (["gizmos"], 'resource type "gizmos"'),
    (["pods,svc", "x"], "single resource type"),
    (["pod/"], "resource/name"),
])
def test_bad_kind_arguments(args: list[str], match: str) -> None:
    with pytest.raises(CliError, match=match):
        split_type_name(args)


def test_kind_of_manifest() -> None:
    assert kind_of({"apiVersion": "apps/v1", "kind": "Deployment"}).plural == "deployments"
    with pytest.raises(CliError, match='no matches for kind "Deployment" in version "v1"'):
        kind_of({"apiVersion": "v1", "kind": "Deployment", "metadata": {"name": "x"}}, "f.yaml")
    with pytest.raises(CliError, match="apiVersion not set"):
        kind_of({"kind": "Pod"})


def test_label_changes() -> None:
    assert parse_changes(["a=1", "b-", "example.com/c=", "d=x.y_z"]) == (
        {"a": "1", "example.com/c": "", "d": "x.y_z"}, ["b"])


@pytest.mark.parametrize(("tokens", "match"), [
    (["a=b c"], "invalid label value"),
    (["-bad=1"], "invalid label key"),
    (["a=1", "a-"], "both modify and remove"),
    (["a"], "label update"),
    ([f"a={'x' * 64}"], "invalid label value"),
])
def test_bad_label_changes(tokens: list[str], match: str) -> None:
    with pytest.raises(CliError, match=match):
        parse_changes(tokens)
