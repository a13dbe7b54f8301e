"""Augmented copies of training clips: known answers and properties of every perturbation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gait.media.keypoints import KeypointSequence
from gait.media.landmarks import L_HIP, L_SHOULDER, R_HIP
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.augmentation import (
    AugmentSettings,
    body_height,
    dress_and_turn,
    excursion_copies,
    flicker_facing,
    leg_excursion_names,
    perturb_sequence,
    turn_camera,
)
from gait.walk.cycles import analyse_gait
from gait.walk.parameter_table import cycle_parameters
from gait.walk.parameters import parameters_for_view

NONE = AugmentSettings(rotation_deg=0.0, aspect_frac=0.0, time_frac=0.0, turn_deg=0.0)


def test_perturbation_without_change_is_the_identity() -> None:
    walk = synthetic_walk(WalkerStyle(), view="side", duration_s=3.0)
    same = perturb_sequence(walk, np.random.default_rng(0),
                            NONE)
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


def _heights(walk: KeypointSequence) -> np.ndarray:
    """Landmarks (n_frames, 33, 3) in frame heights on every axis."""
    return walk.xyzv[..., :3].astype(float) * np.array([walk.aspect_ratio, 1.0,
                                                         walk.aspect_ratio])


def test_clothing_moves_the_outline_landmarks_by_a_constant_and_nothing_else() -> None:
    walk = synthetic_walk(WalkerStyle(), view="side", duration_s=3.0)
    dressed = dress_and_turn(walk, np.random.default_rng(3),
                             AugmentSettings(clothing_bl=0.03))
    shift = _heights(dressed) - _heights(walk)
    clothed = np.arange(11, 27)
    others = np.setdiff1d(np.arange(33), clothed)
    np.testing.assert_allclose(shift[:, others], 0.0, atol=1e-6)
    np.testing.assert_allclose(shift[:, clothed], shift[:1, clothed].repeat(len(shift), 0),
                               atol=1e-6)
    per_landmark_bl = np.linalg.norm(shift[0, clothed, :2], axis=-1) / body_height(
        _heights(walk)[..., :2])
    assert 0.005 < np.median(per_landmark_bl) < 0.1
    np.testing.assert_array_equal(dressed.xyzv[..., 3], walk.xyzv[..., 3])


@settings(max_examples=15, deadline=None)
@given(damping=st.floats(0.05, 1.0), seed=st.integers(0, 1000))
def test_arm_damping_scales_each_arms_swing_within_its_range(damping: float,
                                                             seed: int) -> None:
    """Each wrist's excursion about its mean position relative to the shoulder is scaled by
    a factor in [1 - damping, 1]; the mean position is kept."""
    walk = synthetic_walk(WalkerStyle(), view="side", duration_s=3.0)
    damped = dress_and_turn(walk, np.random.default_rng(seed),
                            AugmentSettings(arm_damping=damping))
    for shoulder, wrist in ((11, 15), (12, 16)):
        before = _heights(walk)[:, wrist] - _heights(walk)[:, shoulder]
        after = _heights(damped)[:, wrist] - _heights(damped)[:, shoulder]
        np.testing.assert_allclose(after.mean(axis=0), before.mean(axis=0), atol=1e-6)
        factor = after.std(axis=0)[0] / before.std(axis=0)[0]
        assert 1.0 - damping - 1e-4 <= factor <= 1.0 + 1e-4
    np.testing.assert_allclose(_heights(damped)[:, 23:], _heights(walk)[:, 23:], atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1000))
def test_turning_the_body_is_a_rotation_about_the_mid_hip(seed: int) -> None:
    """Every landmark keeps its 3-D distance to the mid-hip and its height; the mid-hip's
    travel across the frame shrinks by the cosine of the turn."""
    walk = synthetic_walk(WalkerStyle(), view="side", duration_s=3.0)
    turned = dress_and_turn(walk, np.random.default_rng(seed), AugmentSettings(yaw_deg=30.0))
    before, after = _heights(walk), _heights(turned)

    def mid_hip(p: np.ndarray) -> np.ndarray:
        return (p[:, 23] + p[:, 24]) / 2

    rel_before = before - mid_hip(before)[:, None] * np.array([1.0, 1.0, 0.0])
    rel_after = after - mid_hip(after)[:, None] * np.array([1.0, 1.0, 0.0])
    np.testing.assert_allclose(np.linalg.norm(rel_after, axis=-1),
                               np.linalg.norm(rel_before, axis=-1), atol=1e-5)
    np.testing.assert_allclose(after[..., 1], before[..., 1], atol=1e-6)
    travel_before = np.ptp(mid_hip(before)[:, 0])
    cosine = np.ptp(mid_hip(after)[:, 0]) / travel_before
    assert np.cos(np.radians(30.0)) - 1e-3 <= cosine <= 1.0 + 1e-6


def test_dressing_keeps_the_walks_rhythm() -> None:
    """Clothes, still arms and a turned body change the look, not the timing: the cadence
    is the same."""
    walk = synthetic_walk(WalkerStyle(cadence_steps_per_min=104.0), view="side",
                          duration_s=6.0)
    changed = dress_and_turn(walk, np.random.default_rng(5), AugmentSettings(
        clothing_bl=0.02, arm_damping=1.0, yaw_deg=25.0))
    cadence = cycle_parameters(analyse_gait(changed, "side"))["cadence_steps_per_min"]
    np.testing.assert_allclose(cadence.median(), 104.0, rtol=0.03)


def test_no_covariate_range_draws_nothing() -> None:
    """With the covariate ranges at 0 the walk is returned as it is and the random stream is
    untouched, so the camera and tempo draws stay what they were."""
    walk = synthetic_walk(WalkerStyle(), view="side", duration_s=3.0)
    rng = np.random.default_rng(9)
    assert dress_and_turn(walk, rng, NONE) is walk
    assert rng.uniform() == np.random.default_rng(9).uniform()


def test_the_leg_excursions_are_parameters_of_the_views() -> None:
    """The harmonics of the leg curves and the leg joints' ranges, never a curve's mean: all
    of them side-view parameters, all but the foot curve's front-view ones."""
    excursions = leg_excursion_names()
    side, front = ({p.name for p in parameters_for_view(v)} for v in ("side", "front"))
    assert set(excursions) <= side and len(excursions) == 4 * 2 * 6 + 3 * 2
    assert {n for n in excursions if n not in front} == {n for n in excursions if "_foot_" in n}
    assert "ankle_dorsiflexion_rom_left_deg" in front
    assert not [n for n in excursions if "_mean_" in n or "arm" in n or "_max_" in n]


def test_a_walker_who_swings_less_has_proportionally_smaller_excursions() -> None:
    """Known answer for what the copies imitate: the same synthetic walker with his hip swing
    and knee flexion at 70 % has his thigh's, knee's and shank's first harmonics and his hip
    and knee ranges at 70 %, his cadence unchanged."""
    def parameters(scale: float) -> pd.Series:
        walk = synthetic_walk(WalkerStyle(hip_swing_deg=22.0 * scale, knee_flex_deg=55.0 * scale),
                              view="side", duration_s=6.0)
        return cycle_parameters(analyse_gait(walk, "side")).median(numeric_only=True)

    full, less = parameters(1.0), parameters(0.7)
    for curve in ("ipsi_thigh", "ipsi_knee", "ipsi_shank", "contra_thigh"):
        size = [np.hypot(p[f"wave_{curve}_h1cos_deg"], p[f"wave_{curve}_h1sin_deg"])
                for p in (full, less)]
        assert size[1] / size[0] == pytest.approx(0.7, abs=0.005), curve
    for name in ("hip_flexion_rom_left_deg", "knee_flexion_rom_left_deg"):
        assert less[name] / full[name] == pytest.approx(0.7, abs=0.005), name
    assert less["cadence_steps_per_min"] == pytest.approx(full["cadence_steps_per_min"])


_CYCLES = cycle_parameters(analyse_gait(
    synthetic_walk(WalkerStyle(), view="side", duration_s=5.0), "side"))


@settings(max_examples=25, deadline=None)
@given(largest=st.floats(0.05, 0.95), seed=st.integers(0, 10_000))
def test_excursion_copies_shrink_each_cycle_s_leg_excursions_by_one_factor(largest: float,
                                                                            seed: int) -> None:
    frame = _CYCLES.copy()
    frame.loc[0, "knee_flexion_rom_left_deg"] = np.nan
    copies = excursion_copies(frame, largest, np.random.default_rng(seed))
    assert list(copies.columns) == list(frame.columns) and len(copies) == len(frame)
    scaled = [n for n in leg_excursion_names() if n in frame.columns]
    ratio = copies[scaled].to_numpy() / frame[scaled].to_numpy()
    factor = np.nanmedian(ratio, axis=1)
    measured = ~np.isnan(ratio)  # NaN where the cycle's value was NaN
    np.testing.assert_allclose(ratio[measured],
                               np.broadcast_to(factor[:, None], ratio.shape)[measured],
                               rtol=1e-9)
    assert np.all((factor >= 1 - largest - 1e-12) & (factor <= 1 + 1e-12))
    assert np.isnan(copies.loc[0, "knee_flexion_rom_left_deg"])
    kept = frame.columns.difference(scaled)
    pd.testing.assert_frame_equal(copies[kept], frame[kept])
    assert excursion_copies(frame, 0.0, np.random.default_rng(seed)).empty


@given(share=st.floats(0.0, 0.9), seed=st.integers(0, 2**16))
@settings(max_examples=25, deadline=None)
def test_facing_flicker_narrows_whole_frames_about_the_mid_hip(share: float, seed: int) -> None:
    """Each frame is either unchanged or has every landmark's horizontal distance from the
    mid-hip scaled by one factor of at most 0.6 (less where runs overlap); heights, depths
    and visibilities never change."""
    walk = synthetic_walk(WalkerStyle(), view="front", duration_s=10.0, seed=seed % 7)
    before = walk.xyzv.astype(np.float64)
    after = flicker_facing(before, np.random.default_rng(seed), share)
    np.testing.assert_array_equal(after[..., 1:], before[..., 1:])
    mid = (before[:, L_HIP, 0] + before[:, R_HIP, 0]) / 2
    offset_before, offset_after = before[..., 0] - mid[:, None], after[..., 0] - mid[:, None]
    factor = offset_after[:, L_SHOULDER] / offset_before[:, L_SHOULDER]
    np.testing.assert_allclose(offset_after, factor[:, None] * offset_before, atol=1e-12)
    narrowed = ~np.isclose(factor, 1.0)
    assert np.all((factor[narrowed] > 0) & (factor[narrowed] <= 0.6))
    assert share > 0 or not narrowed.any()


@pytest.mark.parametrize("seed", range(5))
def test_facing_flicker_narrows_about_its_share_of_the_frames(seed: int) -> None:
    """Runs of 2-6 frames, share * n / 4 of them: a tenth of a 10-minute walk's frames
    narrowed, less what overlapping runs share (1 - e^-0.1 = 9.5 % expected)."""
    walk = synthetic_walk(WalkerStyle(), view="front", duration_s=600.0)
    after = flicker_facing(walk.xyzv, np.random.default_rng(seed), 0.1)
    narrowed = ~np.isclose(after[:, L_SHOULDER, 0], walk.xyzv[:, L_SHOULDER, 0])
    assert 0.08 <= narrowed.mean() <= 0.11


def test_facing_flicker_keeps_the_walks_rhythm() -> None:
    """A walk away drawn turned sideways in a tenth of its frames keeps its cadence."""
    walk = synthetic_walk(WalkerStyle(cadence_steps_per_min=104.0), view="front",
                          direction="back", duration_s=8.0)
    xyzv = flicker_facing(walk.xyzv, np.random.default_rng(3), 0.1)
    flickered = KeypointSequence(xyzv.astype(np.float32), walk.frame_index, walk.fps,
                                 walk.frame_size_px)
    assert not np.allclose(flickered.xyzv, walk.xyzv)
    cadence = cycle_parameters(analyse_gait(flickered, "front"))["cadence_steps_per_min"]
    np.testing.assert_allclose(cadence.median(), 104.0, rtol=0.03)
