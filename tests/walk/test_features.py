"""Augmentation of training clips and per-direction feature statistics."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gait.identification.network import direction_statistics
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.augmentation import AugmentSettings, perturb_sequence, turn_camera
from gait.walk.cycles import analyse_gait
from gait.walk.parameters import cycle_parameters


def test_perturbation_without_change_is_the_identity() -> None:
    walk = synthetic_walk(WalkerStyle(), view="side", duration_s=3.0)
    same = perturb_sequence(walk, np.random.default_rng(0),
                            AugmentSettings(rotation_deg=0.0, aspect_frac=0.0, time_frac=0.0,
                                            turn_deg=0.0))
    np.testing.assert_allclose(same.xyzv, walk.xyzv, atol=1e-6)
    assert same.fps == walk.fps


def test_perturbation_is_an_image_rotation_and_a_time_stretch() -> None:
    """Distances in frame heights are kept by a pure rotation; a time stretch changes the
    cadence by exactly its factor."""
    walk = synthetic_walk(WalkerStyle(cadence_steps_per_min=100.0), view="side", duration_s=6.0)
    turned = perturb_sequence(walk, np.random.default_rng(1),
                              AugmentSettings(rotation_deg=5.0, aspect_frac=0.0, time_frac=0.0,
                                              turn_deg=0.0))
    aspect = walk.aspect_ratio

    def span(seq):  # shoulder-to-ankle distance in frame heights, frame 0
        p = seq.xyzv[0, :, :2].astype(float) * np.array([aspect, 1.0])
        return np.linalg.norm(p[11] - p[27])

    assert abs(span(turned) - span(walk)) < 1e-5
    stretched = perturb_sequence(walk, np.random.default_rng(2),
                                 AugmentSettings(rotation_deg=0.0, aspect_frac=0.0,
                                                 time_frac=0.1, turn_deg=0.0))
    factor = stretched.fps / walk.fps
    assert 0.9 < factor < 1.1 and factor != 1.0
    cadence = cycle_parameters(analyse_gait(stretched, "side"))["cadence_steps_per_min"]
    np.testing.assert_allclose(cadence.median(), 100.0 * factor, rtol=0.03)


def test_camera_turn_known_answers() -> None:
    """No turn: nothing moves. Panning by a moves the frame centre sideways by f tan a;
    tilting by a moves it vertically by f tan a (a turn of the camera, so the scene moves the
    other way in the image)."""
    x, y = np.array([0.0, 0.3, -0.2]), np.array([0.0, -0.1, 0.4])
    np.testing.assert_allclose(turn_camera(x, y, 0.0, 0.0, focal=1.5), (x, y), atol=1e-12)
    a = np.radians(10.0)
    px, py = turn_camera(np.zeros(1), np.zeros(1), 0.0, a, focal=1.5)
    np.testing.assert_allclose((abs(px[0]), py[0]), (1.5 * np.tan(a), 0.0), atol=1e-12)
    tx, ty = turn_camera(np.zeros(1), np.zeros(1), a, 0.0, focal=1.5)
    np.testing.assert_allclose((tx[0], abs(ty[0])), (0.0, 1.5 * np.tan(a)), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(tilt=st.floats(-0.2, 0.2), pan=st.floats(-0.2, 0.2), t=st.floats(-1.0, 2.0))
def test_camera_turn_keeps_straight_lines_straight(tilt: float, pan: float, t: float) -> None:
    """A homography maps a point on a line to a point on the image of that line."""
    p0, p1 = np.array([-0.4, 0.2]), np.array([0.5, -0.3])
    points = np.vstack([p0, p1, p0 + t * (p1 - p0)])
    x, y = turn_camera(points[:, 0], points[:, 1], tilt, pan, focal=1.7)
    cross = (x[1] - x[0]) * (y[2] - y[0]) - (y[1] - y[0]) * (x[2] - x[0])
    assert abs(cross) < 1e-9


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
