"""The growth-exponent fit of `kube bench sweep`: exact on power laws, None where no slope exists."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.bench.power_fit import fit_power_law


def test_linear_and_square_root_are_exact() -> None:
    nodes = [500, 1000, 2000, 4000]
    linear = fit_power_law(nodes, [3.0 * n for n in nodes])
    root = fit_power_law(nodes, [0.2 * math.sqrt(n) for n in nodes])
    assert linear is not None and root is not None
    assert linear.exponent == pytest.approx(1.0) and linear.coefficient == pytest.approx(3.0)
    assert root.exponent == pytest.approx(0.5) and root.coefficient == pytest.approx(0.2)
    assert linear.r2 == pytest.approx(1.0) and linear.points == 4 and linear.at(8000) == pytest.approx(24000)


def test_noise_lowers_r2_and_constant_cost_is_flat() -> None:
    noisy = fit_power_law([1, 2, 4, 8], [1.0, 3.0, 2.0, 9.0])
    flat = fit_power_law([10, 20, 40], [5.0, 5.0, 5.0])
    assert noisy is not None and 0 < noisy.r2 < 0.95
    assert flat is not None and flat.exponent == pytest.approx(0.0, abs=1e-12) and flat.r2 == 1.0


def test_no_slope_without_two_usable_points() -> None:
    assert fit_power_law([100], [1.0]) is None
    assert fit_power_law([100, 200], [1.0, None]) is None  # a run without that figure
    assert fit_power_law([100, 200, 400], [0.0, -1.0, 2.0]) is None  # no log of zero
    assert fit_power_law([100, 100], [1.0, 2.0]) is None  # one size twice: no slope


@given(st.lists(st.integers(1, 100_000), min_size=2, max_size=8, unique=True),
       st.floats(1e-3, 1e3), st.floats(-2.0, 3.0))
def test_fitted_exponent_is_the_power(sizes: list[int], a: float, k: float) -> None:
    fit = fit_power_law(sizes, [a * n ** k for n in sizes])
    assert fit is not None and fit.points == len(sizes)
    assert fit.exponent == pytest.approx(k, abs=1e-9)
    assert fit.coefficient == pytest.approx(a, rel=1e-6)
    assert fit.r2 == pytest.approx(1.0, abs=1e-9)
