"""Tests of gait.pose.tracks: detections linked into person tracks, and the walker chosen."""

from __future__ import annotations

import numpy as np

from gait.media.landmarks import (
    L_ANKLE,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    N_LANDMARKS,
    R_ANKLE,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
)
from gait.pose.tracks import Detection, select_walker


def _stick_figure(x: float, top_y: float = 0.2, height: float = 0.6) -> np.ndarray:
    """(33, 4) landmarks of an upright person centred on x (normalised coordinates)."""
    xyzv = np.zeros((N_LANDMARKS, 4), dtype=np.float32)
    xyzv[:, 0] = x
    xyzv[:, 1] = top_y  # head landmarks
    xyzv[:, 3] = 0.9
    for index, fraction in [
        (L_SHOULDER, 0.18),
        (R_SHOULDER, 0.18),
        (L_HIP, 0.5),
        (R_HIP, 0.5),
        (L_KNEE, 0.72),
        (R_KNEE, 0.72),
        (L_ANKLE, 0.95),
        (R_ANKLE, 0.95),
    ]:
        xyzv[index, 1] = top_y + fraction * height
    return xyzv


def test_the_walking_person_is_selected_over_a_bystander() -> None:
    n = 90
    walker_x = np.linspace(0.9, 0.1, n)
    detections = []
    for i in range(n):
        walker = Detection(0, _stick_figure(float(walker_x[i]), 0.3, 0.5), None)
        # A bystander who jumps up and down on the spot for the whole clip, found first.
        jumper = Detection(0, _stick_figure(0.45, 0.05 + 0.05 * np.sin(i / 3), 0.3), None)
        found = [jumper, walker] if i % 20 < 10 else [walker, jumper]  # trackers swap
        if 40 <= i < 43:
            found = [jumper]  # the walker is missed for a few frames
        detections.append(found)
    xyzv, _, frame_index, tracks, selected = select_walker(list(range(n)), detections, 30.0,
                                                           (1280, 720))
    assert selected == 0
    assert len(tracks) == 2
    hips_x = xyzv[:, [L_HIP, R_HIP], 0].mean(axis=1)
    detected = ~np.isnan(hips_x)
    assert detected.sum() == n - 3
    np.testing.assert_allclose(hips_x[detected], walker_x[detected], atol=1e-6)
    assert tracks[0]["travel_body_heights"] > 2.0
    assert tracks[1]["travel_body_heights"] < 0.1
    np.testing.assert_array_equal(frame_index, np.arange(n))


def test_no_detection_gives_no_track() -> None:
    xyzv, _, _, tracks, selected = select_walker(list(range(10)), [[] for _ in range(10)], 25.0,
                                                 (320, 240))
    assert selected is None
    assert tracks == []
    assert np.isnan(xyzv).all()
