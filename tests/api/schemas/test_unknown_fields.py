"""Unknown-field pruning against Kubernetes' own schemas (kube/api/schemas)."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

from kube.api.errors import StatusError
from kube.api.schemas import definition_name, definitions, source
from kube.api.schemas.unknown_fields import IGNORE, STRICT, WARN, directive, enforce, prune
from tests.api.validation.validation_objects import KINDS, sample

ROOT = Path(__file__).resolve().parents[3]


def test_the_data_file_is_what_the_generator_makes_from_kubernetes_validate() -> None:
    result = subprocess.run([sys.executable, "hack/gen_api_schemas.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "kubernetes-validate 1.37.0" in source()


def test_definitions_carry_kubernetes_descriptions_and_formats() -> None:
    spec = definitions()[definition_name("apps/v1", "DeploymentSpec") or "io.k8s.api.apps.v1.DeploymentSpec"]
    replicas = spec["properties"]["replicas"]
    assert replicas["format"] == "int32" and replicas["type"] == "integer"
    assert replicas["description"].startswith("Number of desired pods")
    assert definition_name("v1", "Pod") == "io.k8s.api.core.v1.Pod"
    assert definition_name("v1", "NoSuchKind") is None


@pytest.mark.parametrize("kind", KINDS)
def test_valid_objects_lose_nothing(kind: str) -> None:
    for defaulted in (False, True):
        obj = sample(kind, defaulted)
        before = copy.deepcopy(obj)
        assert prune(obj) == []
        assert obj == before


def test_unknown_fields_are_dropped_everywhere_and_named_by_path() -> None:
    obj = sample("Deployment")
    obj["evil"] = {"nested": [1, 2]}
    obj["metadata"]["foo"] = "x"
    obj["spec"]["foo"] = 1
    obj["spec"]["template"]["spec"]["containers"][0]["bar"] = True
    obj["status"] = {"replicas": 1, "extra": 2}
    assert prune(obj) == ["evil", "metadata.foo", "spec.foo", "spec.template.spec.containers[0].bar",
                          "status.extra"]
    assert obj["status"] == {"replicas": 1} and "foo" not in obj["spec"] and "evil" not in obj
    assert prune(obj) == []


def test_maps_and_free_form_values_keep_their_keys() -> None:
    obj = sample("ConfigMap")
    obj["metadata"]["labels"] = {"anything.example.com/goes": "x"}
    obj["metadata"]["managedFields"] = [{"manager": "kubectl", "operation": "Apply", "fieldsType": "FieldsV1",
                                         "fieldsV1": {"f:data": {"f:app.conf": {}}}}]
    obj["data"]["weird key"] = "y"
    before = copy.deepcopy(obj)
    assert prune(obj) == [] and obj == before


def test_wrong_types_are_left_for_validation() -> None:
    obj = sample("Deployment")
    obj["spec"]["template"]["spec"]["containers"] = "not a list"
    obj["spec"]["selector"] = ["not", "an", "object"]
    before = copy.deepcopy(obj)
    assert prune(obj) == [] and obj == before


def test_a_kind_without_a_schema_is_left_alone() -> None:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"anything": 1}}
    assert prune(obj) == [] and obj["spec"] == {"anything": 1}
    assert prune("not an object") == []


def test_directives_as_kubernetes_names_them() -> None:
    assert directive(None) == WARN and directive("") == WARN  # the server's default
    assert [directive(d) for d in ("Ignore", "Warn", "Strict")] == [IGNORE, WARN, STRICT]
    with pytest.raises(StatusError) as err:
        directive("strict")
    assert err.value.code == 400 and 'Unsupported value: "strict"' in err.value.message


def test_enforce_strict_refuses_with_every_path() -> None:
    obj = sample("Deployment")
    obj["spec"]["foo"] = 1
    obj["spec"]["bar"] = 2
    with pytest.raises(StatusError) as err:
        enforce(obj, STRICT)
    assert err.value.code == 400 and err.value.reason == "BadRequest"
    assert err.value.message == ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding '
                                 'error: unknown field "spec.foo", unknown field "spec.bar"')


def test_enforce_warn_and_ignore_prune() -> None:
    for mode, warnings in ((WARN, ['unknown field "evil"']), (IGNORE, [])):
        obj = sample("ConfigMap")
        obj["evil"] = {"payload": "x" * 10}
        assert enforce(obj, mode) == warnings
        assert "evil" not in obj
        assert enforce(sample("ConfigMap"), mode) == []
