"""Name, label and key syntax checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.api.validation import names


@pytest.mark.parametrize("good", ["a", "my-name", "123-abc", "a" * 63])
def test_dns1123_label_accepts(good: str) -> None:
    assert names.dns1123_label_problems(good) == []


@pytest.mark.parametrize("bad", ["", "-a", "a-", "My", "a.b", "a_b", "a" * 64, "a\n"])
def test_dns1123_label_rejects(bad: str) -> None:
    assert names.dns1123_label_problems(bad)


def test_dns1123_messages_are_kubernetes_wording() -> None:
    assert names.dns1123_subdomain_problems("Foo") == [
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]
    assert names.dns1123_label_problems("a" * 64) == ["must be no more than 63 characters"]


def test_dns1035_label_must_start_with_a_letter() -> None:
    assert names.dns1035_label_problems("web") == []
    assert names.dns1035_label_problems("1web")


@pytest.mark.parametrize("good", ["app", "example.com/app", "a.b-c_d", "k8s.io/Name", "x" * 63])
def test_qualified_names_accepted(good: str) -> None:
    assert names.qualified_name_problems(good) == []


@pytest.mark.parametrize(("bad", "fragment"), [
    ("", "name part must be non-empty"),
    ("/app", "prefix part must be non-empty"),
    ("a/b/c", "a qualified name must consist"),
    ("Example.com/app", "prefix part a lowercase RFC 1123 subdomain"),
    ("x" * 64, "name part must be no more than 63 characters"),
    ("-app", "name part must consist"),
    ("example.com/", "name part must be non-empty"),
])
def test_qualified_names_rejected_with_reason(bad: str, fragment: str) -> None:
    assert any(fragment in p for p in names.qualified_name_problems(bad))


@pytest.mark.parametrize(("value", "ok"), [("", True), ("v1.2_3-x", True), ("-x", False), ("a" * 64, False),
                                           ("a b", False)])
def test_label_values(value: str, ok: bool) -> None:
    assert (names.label_value_problems(value) == []) == ok


@pytest.mark.parametrize(("value", "c_ok", "env_ok"), [
    ("MY_VAR", True, True), ("_x", True, True), ("1X", False, False), ("my.env-name", False, True), ("", False, False),
])
def test_c_identifier_and_env_var_names(value: str, c_ok: bool, env_ok: bool) -> None:
    assert (names.c_identifier_problems(value) == []) == c_ok
    assert (names.env_var_name_problems(value) == []) == env_ok


@pytest.mark.parametrize(("value", "ok"), [("http", True), ("h2c-8080", True), ("8080", False), ("a--b", False),
                                           ("-a", False), ("abcdefghijklmnop", False), ("HTTP", False)])
def test_port_names(value: str, ok: bool) -> None:
    assert (names.port_name_problems(value) == []) == ok


@pytest.mark.parametrize(("value", "ok"), [("a.b", True), ("KEY_x-1", True), ("..a", False), (".", False),
                                           ("a/b", False)])
def test_config_keys(value: str, ok: bool) -> None:
    assert (names.config_key_problems(value) == []) == ok


@given(st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z"))
def test_every_generated_dns_label_is_accepted(value: str) -> None:
    assert names.dns1123_label_problems(value) == []


@given(st.text(max_size=70))
def test_dns_label_agrees_with_its_definition(value: str) -> None:
    ok = (0 < len(value) <= 63 and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in value)
          and value[0] != "-" and value[-1] != "-")
    assert (names.dns1123_label_problems(value) == []) == ok
