"""Feature tables: per-direction statistics, a clip's walking angle, training copies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gait.identification.network import direction_statistics
from gait.pose.synthetic import WalkerStyle
from gait.walk.augmentation import AugmentSettings
from gait.walk.features import build_table, clip_walk_angle_deg
from tests.helpers import synthetic_clips


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


def test_training_copies_of_a_table() -> None:
    """Perturbed copies of each clip's keypoints, then feature-space copies of each cycle:
    three covariate shifts (bag, coat, angle) and one with the legs' excursions shrunk; a
    table made by selecting clips gets the copies of its own clips only."""
    table = build_table(synthetic_clips({"ann": WalkerStyle()}, range(2)), "side")
    n = len(table.frame)
    shrunk = table.augmented(AugmentSettings(copies=0, excursion_damping=0.5))
    assert len(shrunk) == n and list(shrunk["clip_id"]) == list(table.frame["clip_id"])
    ratio = shrunk["knee_flexion_rom_left_deg"] / table.frame["knee_flexion_rom_left_deg"]
    assert ratio.between(0.5, 1.0).all() and ratio.nunique() == n
    pd.testing.assert_series_equal(shrunk["stride_time_s"], table.frame["stride_time_s"])
    every = table.augmented(AugmentSettings(copies=1, covariate_shift=1.0,
                                            excursion_damping=0.5))
    perturbed = len(every) - 4 * n
    assert perturbed > 0 and len(table.augmented(AugmentSettings(copies=1))) == perturbed
    one = table.select(table.frame["clip_id"] == "ann_0")
    assert set(one.augmented(AugmentSettings(copies=1, excursion_damping=0.5))["clip_id"]) == {
        "ann_0"}
