"""How a cost grows with the cluster: cost = c * size^k fitted by least squares on
log(cost) against log(size); k is the growth exponent (1 linear, below 1 sub-linear) and
R² says how well one power law describes the points."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class PowerFit:
    exponent: float
    coefficient: float
    r2: float
    points: int

    def at(self, size: float) -> float:
        return self.coefficient * size ** self.exponent

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def fit_power_law(sizes: Sequence[float], costs: Sequence[float | None]) -> PowerFit | None:
    """The fit over the points with a positive size and cost (a log needs one); None with
    fewer than two such points or one size only, where no slope exists."""
    pairs = [(math.log(x), math.log(y)) for x, y in zip(sizes, costs, strict=True)
             if x > 0 and y is not None and y > 0]
    if len(pairs) < 2:
        return None
    n = len(pairs)
    mx, my = sum(x for x, _ in pairs) / n, sum(y for _, y in pairs) / n
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in pairs) / sxx
    intercept = my - slope * mx
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in pairs)
    ss_tot = sum((y - my) ** 2 for _, y in pairs)
    r2 = 1.0 if ss_tot <= 1e-12 * max(1.0, n * my * my) else 1.0 - ss_res / ss_tot
    return PowerFit(slope, math.exp(intercept), r2, n)
