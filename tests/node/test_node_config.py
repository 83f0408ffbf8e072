"""The node agent's flags: labels, taints and the node name parse or say why."""

from __future__ import annotations

import pytest

from kube.node.node_config import node_name_problem, parse_labels, parse_taints


def test_flags_parse_or_say_why():
    assert parse_labels("a=1, example.com/b=two") == {"a": "1", "example.com/b": "two"}
    with pytest.raises(ValueError, match="invalid label 'nope'"):
        parse_labels("nope")
    assert parse_taints("dedicated=gpu:NoSchedule,spot:PreferNoSchedule") == [
        {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}, {"key": "spot", "effect": "PreferNoSchedule"}]
    with pytest.raises(ValueError, match="needs an effect"):
        parse_taints("a=b:Sometimes")
    assert node_name_problem("minion-a") == ""
    assert "invalid node name" in node_name_problem("Bad_Name")
