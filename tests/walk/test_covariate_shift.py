"""Covariate shifts: learnt from people filmed both ways, applied to training copies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gait.walk.covariate_shift import (
    estimate_shifts,
    shifted_copies,
    shipped_shifts,
)
from gait.walk.parameters import parameters_for_view


def _rows(subject: str, condition: str, trunk: list[float], cadence: list[float]
          ) -> pd.DataFrame:
    return pd.DataFrame({"subject": subject, "condition": condition,
                         "trunk_length_bl": trunk, "cadence_steps_per_min": cadence})


def test_shift_known_answer() -> None:
    """Per person, median with the covariate minus median without; then the mean over the
    people in both tables (C, only in the normal table, is left out)."""
    normal = pd.concat([_rows("A", "", [0.30, 0.32, 0.31], [100, 102, 104]),
                        _rows("B", "", [0.28, 0.28], [110, 110]),
                        _rows("C", "", [0.50], [90])])
    coats = pd.concat([_rows("A", "coat", [0.35, 0.36], [101, 103]),
                       _rows("B", "coat", [0.31], [108])])
    shifts, people = estimate_shifts(normal, coats, "side")
    assert people == ["A", "B"]
    assert shifts["coat"]["trunk_length_bl"] == pytest.approx(((0.355 - 0.31) + 0.03) / 2)
    assert shifts["coat"]["cadence_steps_per_min"] == pytest.approx(((102 - 102) - 2) / 2)
    with pytest.raises(ValueError, match="no person"):
        estimate_shifts(normal[normal["subject"] == "C"], coats, "side")


@settings(max_examples=30, deadline=None)
@given(largest=st.floats(0.1, 2.0), seed=st.integers(0, 10_000))
def test_shifted_copies_move_each_cycle_by_a_share_of_the_shift(largest: float,
                                                                 seed: int) -> None:
    frame = pd.DataFrame({"clip_id": ["a", "b", "c"], "trunk_length_bl": [0.3, 0.31, np.nan],
                          "stride_time_s": [1.1, 1.0, 1.2]})
    shifts = {"coat": {"trunk_length_bl": 0.04, "not_a_column": 9.0}, "bag": {}}
    copies = shifted_copies(frame, shifts, largest, np.random.default_rng(seed))
    assert len(copies) == 2 * len(frame)
    assert list(copies.columns) == list(frame.columns)
    coat = copies.iloc[3:]  # covariates in name order: bag, then coat
    share = (coat["trunk_length_bl"].to_numpy()[:2] - [0.3, 0.31]) / 0.04
    assert np.all((share >= -1e-9) & (share <= largest + 1e-9))
    assert np.isnan(coat["trunk_length_bl"].iloc[2])
    np.testing.assert_array_equal(coat["stride_time_s"], frame["stride_time_s"])
    np.testing.assert_array_equal(copies.iloc[:3]["trunk_length_bl"], frame["trunk_length_bl"])
    assert shifted_copies(frame, shifts, 0.0, np.random.default_rng(seed)).empty


@pytest.mark.parametrize("view", ["side", "front"])
def test_the_shipped_shifts_are_the_catalogues_parameters(view: str) -> None:
    shifts = shipped_shifts(view)
    assert set(shifts) == {"angle", "bag", "coat"}
    names = {p.name for p in parameters_for_view(view)}
    for condition, values in shifts.items():
        assert values and set(values) <= names, condition
        assert all(np.isfinite(v) for v in values.values())
