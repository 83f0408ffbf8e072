"""The audit Policy: Kubernetes' rule matching (first match wins, no match is None), the stages
omitted, and a file that does not validate refused in one line naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.apiserver.audit.policy import LEVELS, Attributes, AuditPolicyError, load, parse


def _policy(*rules: dict, **top: object) -> dict:
    return {"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "rules": list(rules), **top}


def _res(resource: str = "pods", sub: str = "", *, group: str = "", ns: str = "default", name: str = "p",
         verb: str = "get", user: str | None = "jane", groups: tuple[str, ...] = ()) -> Attributes:
    return Attributes(user, groups, verb, True, api_group=group, resource=resource, subresource=sub,
                      namespace=ns, name=name)


def _path(path: str, verb: str = "get") -> Attributes:
    return Attributes("jane", (), verb, False, path=path)


def test_resource_entries_match_as_kubernetes() -> None:
    def level(entry: dict, a: Attributes) -> str:
        return parse(_policy({"level": "Request", "resources": [entry]})).decide(a).level

    assert level({"group": "", "resources": ["pods"]}, _res()) == "Request"
    assert level({"group": "", "resources": ["pods"]}, _res(sub="log")) == "None"  # pods does not cover pods/log
    assert level({"group": "", "resources": ["pods/log"]}, _res(sub="log")) == "Request"
    assert level({"group": "", "resources": ["pods/*"]}, _res(sub="exec")) == "Request"
    assert level({"group": "", "resources": ["*/status"]}, _res("nodes", "status", ns="")) == "Request"
    assert level({"group": "", "resources": ["*"]}, _res(sub="log")) == "Request"
    assert level({"group": ""}, _res("secrets")) == "Request"  # a group alone: all of it
    assert level({"group": "apps", "resources": ["*"]}, _res()) == "None"  # another group
    assert level({"group": "", "resources": ["pods"], "resourceNames": ["p"]}, _res()) == "Request"
    assert level({"group": "", "resources": ["pods"], "resourceNames": ["q"]}, _res()) == "None"
    assert level({"group": "", "resources": ["pods"]}, _path("/api")) == "None"  # not a resource request


def test_users_groups_verbs_namespaces_and_urls() -> None:
    p = parse(_policy({"level": "None", "users": ["system:kube-proxy"]},
                      {"level": "RequestResponse", "userGroups": ["admins"], "verbs": ["delete"]},
                      {"level": "Request", "namespaces": ["kube-system"]},
                      {"level": "Metadata", "nonResourceURLs": ["/apis*", "/version"]}))
    assert p.decide(_res(user="system:kube-proxy", ns="kube-system")).level == "None"
    assert p.decide(_res(groups=("x", "admins"), verb="delete")).level == "RequestResponse"
    assert p.decide(_res(groups=("admins",), verb="get")).level == "None"
    assert p.decide(_res(ns="kube-system")).level == "Request"
    assert p.decide(_path("/apis/apps/v1")).level == "Metadata" and p.decide(_path("/version")).level == "Metadata"
    assert p.decide(_path("/versions")).level == "None" and p.decide(_path("/metrics")).level == "None"
    assert p.decide(_res(user=None)).level == "None"  # unauthenticated: a users rule never matches


def test_omit_stages_and_managed_fields_combine() -> None:
    p = parse(_policy({"level": "Metadata", "verbs": ["watch"], "omitStages": ["ResponseStarted"],
                       "omitManagedFields": False}, {"level": "Request"},
                      omitStages=["RequestReceived"], omitManagedFields=True))
    watch = p.decide(_res(verb="watch"))
    assert watch.omit_stages == {"RequestReceived", "ResponseStarted"} and watch.omit_managed_fields is False
    other = p.decide(_res())
    assert other.omit_stages == {"RequestReceived"} and other.omit_managed_fields is True


ATTRS = st.builds(_res, st.sampled_from(["pods", "secrets", "nodes"]), st.sampled_from(["", "log", "status"]),
                  group=st.sampled_from(["", "apps"]), ns=st.sampled_from(["", "default", "kube-system"]),
                  verb=st.sampled_from(["get", "list", "watch", "create", "delete"]),
                  user=st.sampled_from(["jane", "bob", None]))
RULES = st.lists(st.fixed_dictionaries({"level": st.sampled_from(LEVELS)}, optional={
    "verbs": st.lists(st.sampled_from(["get", "list", "create"]), min_size=1),
    "users": st.lists(st.sampled_from(["jane", "bob"]), min_size=1),
    "namespaces": st.lists(st.sampled_from(["", "default"]), min_size=1)}), min_size=1, max_size=5)


@given(RULES, ATTRS, st.sampled_from(LEVELS))
def test_a_catch_all_rule_first_decides_everything_and_last_only_what_nothing_else_matched(
        rules: list[dict], a: Attributes, level: str) -> None:
    assert parse(_policy({"level": level}, *rules)).decide(a).level == level
    before = parse(_policy(*rules)).decide(a)
    after = parse(_policy(*rules, {"level": level})).decide(a)
    matched = any(_matches(r, a) for r in rules)
    assert after.level == (before.level if matched else level)


def _matches(rule: dict, a: Attributes) -> bool:
    return parse(_policy(rule)).rules[0].matches(a)


@pytest.mark.parametrize(("text", "message"), [
    ("kind: Policy\napiVersion: audit.k8s.io/v1\nrules: []\n", "loaded illegal policy with 0 rules"),
    ("kind: Policy\napiVersion: audit.k8s.io/v1\nrules: [{level: Everything}]\n",
     "rules[0].level: Unsupported value: 'Everything'"),
    ("kind: Policy\napiVersion: audit.k8s.io/v1\nrules: [{verbs: [get]}]\n", "rules[0].level: Required value"),
    ("kind: Policy\napiVersion: audit.k8s.io/v1\nrules: [{level: None, omitStages: [Done]}]\n",
     "rules[0].omitStages[0]: Unsupported value: 'Done'"),
    ("kind: Policy\napiVersion: audit.k8s.io/v1\nrules:\n- level: None\n  nonResourceURLs: [/x]\n"
     "  resources: [{group: ''}]\n", "rules cannot apply to both regular resources and non-resource URLs"),
    ("kind: Policy\napiVersion: audit.k8s.io/v1beta9\nrules: [{level: None}]\n", "expected kind Policy"),
    ("kind: Policy\nrules: [level: None\n", "failed decoding audit policy file"),
])
def test_a_bad_policy_is_one_line_naming_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(AuditPolicyError) as err:
        load(str(path))
    assert message in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(AuditPolicyError, match="failed to read audit policy file"):
        load(str(tmp_path / "missing.yaml"))
