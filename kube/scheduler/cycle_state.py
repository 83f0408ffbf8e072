"""Per-pod data plugins share during one scheduling cycle (kube-scheduler's CycleState)."""

from __future__ import annotations

from typing import Any


class CycleState(dict[str, Any]):
    """Plugin name -> whatever that plugin computed in PreFilter/PreScore for this pod."""
