"""Known answers and properties of the aggregations the parameter formulas use."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gait.walk.cycle_window import (
    detrended_range,
    median,
    mid_point,
    p90,
    symmetry_pct,
    value_range,
)

_finite = st.floats(-1e3, 1e3, allow_nan=False)


def test_known_answers() -> None:
    assert p90(np.arange(11.0)) == 9.0
    assert p90(np.array([0.0, 10.0])) == 9.0
    assert value_range(np.array([3.0, -1.0, 2.0])) == 4.0
    assert np.isclose(symmetry_pct(1.1, 0.9), 20.0)
    assert np.isnan(symmetry_pct(1.0, -1.0))
    xyz = np.zeros((2, 33, 3))
    xyz[:, 11] = [1.0, 2.0, 3.0]
    np.testing.assert_allclose(mid_point(xyz, 11, 12), [[0.5, 1.0, 1.5]] * 2)


def test_the_detrended_range_of_a_sine_on_a_slope_is_the_sine_s() -> None:
    t = np.linspace(0.0, 1.0, 101)
    wave = 0.05 * np.sin(2 * np.pi * t)
    assert abs(detrended_range(3.0 * t + wave) - value_range(wave)) < 0.02
    assert detrended_range(np.array([0.0, 1.0, 2.0])) < 1e-12
    assert np.isnan(detrended_range(np.array([0.0, 1.0])))


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.integers(1, 60), elements=_finite))
def test_p90_is_numpy_s_percentile(values: np.ndarray) -> None:
    assert np.isclose(p90(values), np.percentile(values, 90), rtol=1e-9, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.integers(1, 60), elements=_finite))
def test_median_is_numpy_s_median_exactly(values: np.ndarray) -> None:
    assert median(values) == np.median(values)
    values[len(values) // 2] = np.nan
    assert np.isnan(median(values)) and np.isnan(np.median(values))


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.integers(3, 60), elements=_finite), _finite, _finite)
def test_a_linear_trend_does_not_change_the_detrended_range(values: np.ndarray, slope: float,
                                                            offset: float) -> None:
    trend = offset + slope * np.arange(values.size)
    assert np.isclose(detrended_range(values + trend), detrended_range(values),
                      rtol=1e-6, atol=1e-6 * (1 + abs(slope) * values.size))
