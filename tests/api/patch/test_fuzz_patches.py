"""Hypothesis on the patchers, decoders, selector and quantity parsers: arbitrary input raises only
the module's own error (the one the API server turns into a 400/422 Status), never anything else."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kube.api import labels, yaml_decode
from kube.api.depth import TooDeep
from kube.api.errors import StatusError
from kube.api.fields import FieldSelectorError, parse_field_selector
from kube.api.patch import PatchError, apply_json_patch, apply_merge_patch, apply_strategic_merge_patch
from kube.api.quantity import QuantityError, parse_quantity
from kube.apiserver.handlers.encoding import decode
from tests.fuzz.budget import examples

pytestmark = pytest.mark.fuzz

FUZZ = settings(max_examples=examples(150), deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=25)
POINTER = st.lists(st.sampled_from(["a", "0", "1", "-", "~0", "~1", "x~", "metadata", "spec"]), max_size=4).map(
    lambda parts: "/" + "/".join(parts)) | st.text(max_size=6)
OP = st.fixed_dictionaries({"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "nope"])},
                           optional={"path": POINTER, "from": POINTER, "value": JSON})


@FUZZ
@given(doc=JSON, patch=st.lists(OP, max_size=5) | JSON)
def test_json_patch_raises_only_patch_error(doc: Any, patch: Any) -> None:
    try:
        apply_json_patch(doc, patch)
    except (PatchError, TooDeep):
        pass


@FUZZ
@given(doc=JSON, patch=JSON)
def test_merge_patch_raises_only_patch_error(doc: Any, patch: Any) -> None:
    try:
        apply_merge_patch(doc, patch)
    except (PatchError, TooDeep):
        pass


@FUZZ
@given(doc=st.dictionaries(st.sampled_from(["spec", "metadata", "x"]), JSON, max_size=3), patch=JSON,
       kind=st.sampled_from(["Pod", "Deployment", "ConfigMap", "Service"]))
def test_strategic_merge_patch_raises_only_patch_error(doc: Any, patch: Any, kind: str) -> None:
    try:
        apply_strategic_merge_patch(doc, patch, kind)
    except (PatchError, TooDeep):
        pass


@FUZZ
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
       content_type=st.sampled_from(["application/json", "application/yaml", "application/merge-patch+json",
                                     "text/plain"]))
def test_body_decoder_raises_only_status_errors(raw: bytes, content_type: str) -> None:
    try:
        decode(raw, content_type)
    except StatusError as err:
        assert 400 <= err.code < 500


@FUZZ
@given(text=st.text(alphabet="ab&*:-[]{}!| \n'\"0", max_size=120))
def test_yaml_loader_raises_only_yaml_error(text: str) -> None:
    try:
        yaml_decode.load_all(text)
    except yaml_decode.YamlError:
        pass


@FUZZ
@given(text=st.text(alphabet="abc=!(),<> in notin 0-_./", max_size=40) | st.text(max_size=20))
def test_label_selector_parser_raises_only_selector_error(text: str) -> None:
    try:
        labels.parse(text)
    except labels.SelectorError:
        pass


@FUZZ
@given(text=st.text(alphabet="metadata.nspc=!,\\ ", max_size=40) | st.text(max_size=20))
def test_field_selector_parser_raises_only_its_error(text: str) -> None:
    try:
        parse_field_selector(text, "Pod")
    except FieldSelectorError:
        pass


@FUZZ
@given(text=st.text(alphabet="0123456789.+-eEkMGTPinum", max_size=16) | st.text(max_size=10))
def test_quantity_parser_raises_only_quantity_error(text: str) -> None:
    try:
        parse_quantity(text)
    except QuantityError:
        pass
