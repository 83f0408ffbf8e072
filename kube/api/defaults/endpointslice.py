"""discovery.k8s.io/v1 EndpointSlice defaults (SetDefaults_EndpointPort): a port's name
is "" and its protocol TCP when unset."""

from __future__ import annotations

from typing import Any

from kube.api.defaults.setters import default_string, dict_items


def default_endpoint_slice(slice_: dict[str, Any]) -> None:
    for port in dict_items(slice_, "ports"):
        default_string(port, "name", "")
        default_string(port, "protocol", "TCP")
