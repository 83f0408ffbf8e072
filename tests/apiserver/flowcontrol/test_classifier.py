"""The classifier against Kubernetes' bootstrap configuration and hand-made schemas, and its invariants."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.apiserver.flowcontrol import bootstrap_objects
from kube.apiserver.flowcontrol.classifier import Classifier, RequestDigest, url_matches

AUTH = "system:authenticated"


def schema(name: str, level: str, precedence: int, subjects: list[dict[str, Any]],
           resource_rules: list[dict[str, Any]] | None = None, non_resource_rules: list[dict[str, Any]] | None = None,
           method: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"priorityLevelConfiguration": {"name": level}, "matchingPrecedence": precedence,
                            "rules": [{"subjects": subjects, "resourceRules": resource_rules or [],
                                       "nonResourceRules": non_resource_rules or []}]}
    if method:
        spec["distinguisherMethod"] = {"type": method}
    return {"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema", "metadata": {"name": name},
            "spec": spec}


def user(name: str) -> dict[str, Any]:
    return {"kind": "User", "user": {"name": name}}


EVERYTHING = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"], "clusterScope": True, "namespaces": ["*"]}]


def bootstrap(*extra: dict[str, Any]) -> Classifier:
    fs, pl = bootstrap_objects.defaults()
    return Classifier([*fs, *extra], pl)


def get(who: str, groups: tuple[str, ...], resource: str = "pods", namespace: str = "default", verb: str = "get",
        group: str = "", subresource: str = "") -> RequestDigest:
    return RequestDigest(who, groups, verb, group, resource, subresource, namespace)


@pytest.mark.parametrize(("digest", "want_schema", "want_level", "want_flow"), [
    (get("kube-admin", ("system:masters", AUTH)), "exempt", "exempt", ""),
    (get("jane", (AUTH,)), "global-default", "global-default", "jane"),
    (get("system:anonymous", ("system:unauthenticated",)), "global-default", "global-default", "system:anonymous"),
    (get("system:node:n1", ("system:nodes", AUTH), "nodes", "", "update", subresource="status"),
     "system-node-high", "node-high", "system:node:n1"),
    (get("system:node:n1", ("system:nodes", AUTH), "pods", "", "list"), "system-nodes", "system", "system:node:n1"),
    (get("system:kube-scheduler", (AUTH,), "leases", "kube-system", group="coordination.k8s.io"),
     "system-leader-election", "leader-election", "system:kube-scheduler"),
    (get("system:kube-scheduler", (AUTH,), "pods", "ns1", "list"), "kube-scheduler", "workload-high", "ns1"),
    (get("system:serviceaccount:kube-system:coredns", ("system:serviceaccounts", AUTH), "endpointslices", "ns2",
         "list", "discovery.k8s.io"), "kube-system-service-accounts", "workload-high", "ns2"),
    (get("system:serviceaccount:apps:web", ("system:serviceaccounts", AUTH)), "service-accounts", "workload-low",
     "system:serviceaccount:apps:web"),
    (RequestDigest("jane", (AUTH,), "get", path="/healthz", is_resource=False), "probes", "exempt", ""),
    (RequestDigest("jane", (AUTH,), "get", path="/openapi/v2", is_resource=False), "global-default",
     "global-default", "jane"),
])
def test_bootstrap_configuration_classifies_as_kubernetes(digest: RequestDigest, want_schema: str, want_level: str,
                                                          want_flow: str) -> None:
    got = bootstrap().classify(digest)
    assert (got.flow_schema_name, got.priority_level_name, got.distinguisher) == (want_schema, want_level, want_flow)
    assert got.exempt == (want_level == "exempt")


def test_a_user_schema_below_global_default_takes_its_user() -> None:
    jane = schema("jane", "workload-low", 500, [user("jane")], EVERYTHING, method="ByNamespace")
    c = bootstrap(jane)
    got = c.classify(get("jane", (AUTH,), namespace="team"))
    assert (got.flow_schema_name, got.priority_level_name, got.distinguisher) == ("jane", "workload-low", "team")
    assert c.classify(get("bob", (AUTH,))).flow_schema_name == "global-default"


def test_a_schema_naming_a_missing_level_is_skipped() -> None:
    dangling = schema("dangling", "no-such-level", 5, [user("jane")], EVERYTHING)
    assert bootstrap(dangling).classify(get("jane", (AUTH,))).flow_schema_name == "global-default"


def test_equal_precedence_goes_by_name() -> None:
    b = schema("b-schema", "workload-high", 50, [user("jane")], EVERYTHING)
    a = schema("a-schema", "workload-low", 50, [user("jane")], EVERYTHING)
    assert bootstrap(b, a).classify(get("jane", (AUTH,))).flow_schema_name == "a-schema"


def test_only_mandatory_objects_send_everyone_else_to_catch_all() -> None:
    fs, pl = bootstrap_objects.with_mandatory([], [])
    c = Classifier(fs, pl)
    assert c.classify(get("jane", (AUTH,))).priority_level_name == "catch-all"
    assert c.classify(get("root", ("system:masters",))).priority_level_name == "exempt"
    # a user with no group at all matches no rule: the catch-all still takes it
    assert c.classify(get("nobody", ())).flow_schema_name == "catch-all"


def test_with_mandatory_keeps_an_edited_mandatory_object() -> None:
    mine = {"metadata": {"name": "catch-all"}, "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 9}}}
    _, pl = bootstrap_objects.with_mandatory([], [mine])
    assert [o for o in pl if o["metadata"]["name"] == "catch-all"] == [mine]
    assert {o["metadata"]["name"] for o in pl} == {"catch-all", "exempt"}


def test_service_account_subjects() -> None:
    all_in_ns = schema("sa-all", "workload-high", 10, [{"kind": "ServiceAccount",
                                                       "serviceAccount": {"namespace": "ci", "name": "*"}}], EVERYTHING)
    one = schema("sa-one", "workload-low", 20, [{"kind": "ServiceAccount",
                                                 "serviceAccount": {"namespace": "web", "name": "front"}}], EVERYTHING)
    c = bootstrap(all_in_ns, one)
    assert c.classify(get("system:serviceaccount:ci:builder", (AUTH,))).flow_schema_name == "sa-all"
    assert c.classify(get("system:serviceaccount:cix:builder", (AUTH,))).flow_schema_name == "global-default"
    assert c.classify(get("system:serviceaccount:web:front", (AUTH,))).flow_schema_name == "sa-one"
    assert c.classify(get("system:serviceaccount:web:back", (AUTH,))).flow_schema_name == "global-default"


def test_resource_rules_verbs_groups_scope_and_subresources() -> None:
    rule = [{"verbs": ["list"], "apiGroups": ["apps"], "resources": ["deployments", "deployments/scale"],
             "namespaces": ["prod"]}]
    c = bootstrap(schema("narrow", "workload-high", 10, [{"kind": "Group", "group": {"name": "*"}}], rule))
    def name(d: RequestDigest) -> str:
        return c.classify(d).flow_schema_name
    assert name(get("jane", (AUTH,), "deployments", "prod", "list", "apps")) == "narrow"
    assert name(get("jane", (AUTH,), "deployments", "prod", "list", "apps", "scale")) == "narrow"
    assert name(get("jane", (AUTH,), "deployments", "prod", "list", "apps", "status")) == "global-default"
    assert name(get("jane", (AUTH,), "deployments", "prod", "get", "apps")) == "global-default"
    assert name(get("jane", (AUTH,), "deployments", "dev", "list", "apps")) == "global-default"
    assert name(get("jane", (AUTH,), "deployments", "", "list", "apps")) == "global-default"  # clusterScope unset
    assert name(get("jane", (AUTH,), "deployments", "prod", "list", "extensions")) == "global-default"


def test_non_resource_urls() -> None:
    assert url_matches("*", "/anything") and url_matches("/healthz", "/healthz")
    assert url_matches("/apis/*", "/apis/apps/v1") and not url_matches("/apis/*", "/api/v1")
    assert not url_matches("/hea", "/healthz") and not url_matches("/healthz", "/healthz/etcd")


NAMES = st.sampled_from(["jane", "bob", "carol", "*"])


@st.composite
def schemas(draw: st.DrawFn) -> dict[str, Any]:
    return schema(draw(st.text("abcdefgh", min_size=1, max_size=6)), draw(st.sampled_from(["workload-high",
                  "workload-low", "node-high"])), draw(st.integers(1, 9999)), [user(draw(NAMES))], EVERYTHING)


@given(st.lists(schemas(), max_size=6, unique_by=lambda s: s["metadata"]["name"]),
       st.sampled_from(["jane", "bob", "carol"]))
def test_the_first_matching_schema_by_precedence_then_name_wins(mine: list[dict[str, Any]], who: str) -> None:
    got = bootstrap(*mine).classify(get(who, (AUTH,)))
    matching = [s for s in mine if s["spec"]["rules"][0]["subjects"][0]["user"]["name"] in (who, "*")
                and (s["spec"]["matchingPrecedence"], s["metadata"]["name"]) < (9900, "global-default")]
    if matching:
        best = min(matching, key=lambda s: (s["spec"]["matchingPrecedence"], s["metadata"]["name"]))
        assert got.flow_schema is best
    else:
        assert got.flow_schema_name == "global-default"


@given(st.lists(schemas(), max_size=4, unique_by=lambda s: s["metadata"]["name"]), st.integers(1, 9999),
       st.sampled_from(["jane", "bob", "carol"]))
def test_a_schema_that_does_not_match_changes_nothing(mine: list[dict[str, Any]], precedence: int, who: str) -> None:
    before = bootstrap(*mine).classify(get(who, (AUTH,)))
    stranger = schema("zz-stranger", "exempt", precedence, [user(f"not-{who}")], EVERYTHING)
    after = bootstrap(*mine, stranger).classify(get(who, (AUTH,)))
    assert (after.flow_schema, after.priority_level, after.distinguisher) == \
        (before.flow_schema, before.priority_level, before.distinguisher)
