"""Endpoints: a PUT may create them (the endpoints controller writes them unconditionally)."""

from __future__ import annotations

from typing import ClassVar

from kube.apiserver.strategies.base import Strategy


class EndpointsStrategy(Strategy):
    allow_create_on_update: ClassVar[bool] = True
