"""The scheduler's pod selectors: kube.api.labels' Selector as a shared, hashable key, errors as a 400."""

from __future__ import annotations

import pytest

from kube.api.errors import StatusError
from kube.scheduler.label_selector import matches, selector_key

WEB_NOT_DB = {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}


def test_equal_selectors_share_one_key_and_match_as_kubernetes_does() -> None:
    a = selector_key(WEB_NOT_DB, "x")
    b = selector_key({"matchExpressions": WEB_NOT_DB["matchExpressions"], "matchLabels": {"app": "web"}}, "y")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert matches(a, {"app": "web"}) and matches(a, {"app": "web", "tier": "cache"})
    assert not matches(a, {"app": "web", "tier": "db"}) and not matches(a, {})
    assert matches(selector_key({}, "x"), {"any": "thing"})  # an empty selector matches every pod
    assert selector_key(None, "x") is None and not matches(None, {"app": "web"})  # a null one none
    exists = selector_key({"matchExpressions": [{"key": "gpu", "operator": "Exists"},
                                                {"key": "spot", "operator": "DoesNotExist"}]}, "x")
    assert matches(exists, {"gpu": ""}) and not matches(exists, {"gpu": "1", "spot": "y"})


@pytest.mark.parametrize(("selector", "words"), [
    ({"matchExpressions": [{"key": "a", "operator": "Near"}]},
     'spec.affinity.labelSelector.matchExpressions[0].operator: Unsupported value: "Near"'),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
     "spec.affinity.labelSelector: matchExpressions[0]: values: Invalid value: []"),
    ({"matchLabels": {"bad key!": "v"}}, 'spec.affinity.labelSelector: key: Invalid value: "bad key!"'),
    ("app=web", "spec.affinity.labelSelector: must be an object"),
])
def test_a_bad_selector_is_a_400_naming_the_field(selector: object, words: str) -> None:
    with pytest.raises(StatusError) as caught:
        selector_key(selector, "spec.affinity.labelSelector")  # type: ignore[arg-type]
    assert caught.value.code == 400 and words in caught.value.message
