"""Per-direction feature statistics."""

from __future__ import annotations

import numpy as np

from gait.identification.network import direction_statistics


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
