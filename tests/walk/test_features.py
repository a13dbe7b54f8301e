"""Feature tables: per-direction statistics, a clip's walking angle."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gait.identification.network import direction_statistics
from gait.walk.features import clip_walk_angle_deg


def test_direction_statistics_known_answer() -> None:
    x = np.array([[0.0, 10.0], [2.0, 10.0], [10.0, 20.0], [14.0, 20.0]])
    directions = np.array(["left", "left", "right", "right"])
    mean, std = direction_statistics(x, directions, ["left", "right", "front"])
    np.testing.assert_allclose(mean[0], [1.0, 10.0])
    np.testing.assert_allclose(mean[1], [12.0, 20.0])
    np.testing.assert_allclose(mean[2], x.mean(axis=0))  # too few cycles: pooled
    np.testing.assert_allclose(mean[3], x.mean(axis=0))  # the pooled row
    # a direction's spread counts as at least half the pooled one
    np.testing.assert_allclose(std[0], np.maximum([1.0, 0.0], 0.5 * x.std(axis=0)))


def test_a_clip_s_walking_angle_is_the_median_of_its_cycles() -> None:
    rows = pd.DataFrame({"walk_angle_deg": [1.0, 20.0, 22.0, np.nan]})
    assert clip_walk_angle_deg(rows) == 20.0
    assert np.isnan(clip_walk_angle_deg(rows.iloc[:0]))
    assert np.isnan(clip_walk_angle_deg(pd.DataFrame({"stride_time_s": [1.1]})))
