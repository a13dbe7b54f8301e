"""Tests of gait.case.comparisons: known answers of the suspect profile."""

from __future__ import annotations

import pandas as pd
import pytest

from gait.case.comparisons import suspect_profile


def test_suspect_profile_known_answer() -> None:
    frame = pd.DataFrame({"subject": ["a", "a", "b", "b"],
                          "cadence_steps_per_min": [100.0, 102.0, 110.0, 112.0],
                          "not_a_parameter": [1, 2, 3, 4]})
    profile = suspect_profile(frame, "a")
    assert profile["parameter"].tolist() == ["cadence_steps_per_min"]
    row = profile.iloc[0]
    assert row["suspect median"] == 101.0 and row["case median"] == 106.0
    assert row["z vs case"] == pytest.approx(-5.0 / frame["cadence_steps_per_min"].std())
    assert row["cycles"] == 2
