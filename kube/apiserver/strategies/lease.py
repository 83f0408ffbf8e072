"""Leases (coordination.k8s.io): a PUT may create one, as leader election and node heartbeats expect."""

from __future__ import annotations

from typing import ClassVar

from kube.apiserver.strategies.base import Strategy


class LeaseStrategy(Strategy):
    allow_create_on_update: ClassVar[bool] = True
