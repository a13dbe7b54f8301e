"""Known-answer and property tests for gait events and cycles on the procedural walker."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gait.media.keypoints import KeypointSequence
from gait.media.landmarks import LEFT_RIGHT_SWAP
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.cycles import HALF_CYCLE_WEIGHT, analyse_gait, striking_feet
from gait.walk.parameter_table import cycle_parameters


@pytest.mark.parametrize("view,direction", [("side", "right"), ("side", "left"),
                                            ("front", "back"), ("front", "front")])
@pytest.mark.parametrize("fps", [25.0, 30.0, 60.0])
def test_known_cadence_and_cycle_count(view: str, direction: str, fps: float) -> None:
    style = WalkerStyle(cadence_steps_per_min=100.0)  # stride 1.2 s
    walk = synthetic_walk(style, view=view, direction=direction, fps=fps, duration_s=6.0)
    analysis = analyse_gait(walk, view)
    assert analysis.sufficient
    assert analysis.direction == direction
    # 6 s hold 5 strides; the first and last heel strikes may fall outside the clip.
    assert 6 <= len(analysis.cycles) <= 10
    params = cycle_parameters(analysis)
    # The stick figure has no camera perspective, so front-view edge cycles can be off: at
    # least 80 % of cycles must be exact and the median must be.
    exact = np.isclose(params["cadence_steps_per_min"], 100.0, rtol=0.03)
    assert exact.mean() >= 0.8
    assert params["stride_time_s"].median() == pytest.approx(1.2, rel=0.03)
    assert params["step_time_s"].median() == pytest.approx(0.6, rel=0.08)


def test_known_knee_range_of_motion_side_view() -> None:
    walk = synthetic_walk(WalkerStyle(knee_flex_deg=60.0), view="side")
    params = cycle_parameters(analyse_gait(walk, "side"))
    np.testing.assert_allclose(params["knee_flexion_rom_left_deg"], 60.0, atol=3.0)
    np.testing.assert_allclose(params["knee_flexion_rom_right_deg"], 60.0, atol=3.0)


@pytest.mark.parametrize(("view", "direction"), [("side", "right"), ("front", "back")])
def test_a_walk_of_one_step_gives_a_half_cycle_with_the_known_answers(
        view: str, direction: str) -> None:
    # Step 0.6 s, heel strikes at 0 s (the clip's edge: not trusted), 0.6 s and 1.2 s.
    style = WalkerStyle(cadence_steps_per_min=100.0, knee_flex_deg=60.0)
    walk = synthetic_walk(style, view=view, direction=direction, duration_s=1.5)
    analysis = analyse_gait(walk, view)
    assert analysis.sufficient and analysis.from_steps
    assert all(c.from_step and c.weight == HALF_CYCLE_WEIGHT for c in analysis.cycles)
    params = cycle_parameters(analysis)
    assert (params["cycle_weight"] == HALF_CYCLE_WEIGHT).all()
    assert params["stride_time_s"].to_numpy() == pytest.approx(1.2, rel=0.05)
    assert params["cadence_steps_per_min"].to_numpy() == pytest.approx(100.0, rel=0.05)
    if view == "side":
        np.testing.assert_allclose(params["knee_flexion_rom_left_deg"], 60.0, atol=4.0)
        np.testing.assert_allclose(params["knee_flexion_rom_right_deg"], 60.0, atol=4.0)


def test_the_mirrored_half_is_the_step_with_left_and_right_exchanged() -> None:
    walk = synthetic_walk(WalkerStyle(cadence_steps_per_min=100.0), duration_s=1.5)
    analysis = analyse_gait(walk, "side")
    (stride,) = analysis.step_walks
    half = (stride.n_samples - 1) // 2
    swap = list(LEFT_RIGHT_SWAP)
    first, second = stride.xyz_bl[1:half + 1], stride.xyz_bl[half + 1:]
    np.testing.assert_allclose(second[..., :2], first[:, swap, :2])
    np.testing.assert_allclose(second[..., 2], -first[:, swap, 2])
    # The pelvis goes on forward by the step's travel.
    travel = stride.pelvis_bl[half, 0] - stride.pelvis_bl[0, 0]
    assert stride.pelvis_bl[-1, 0] - stride.pelvis_bl[0, 0] == pytest.approx(2 * travel)


def test_full_cycles_leave_no_half_cycles() -> None:
    analysis = analyse_gait(synthetic_walk(duration_s=4.0), "side")
    assert analysis.cycles and not analysis.from_steps and analysis.step_walks == ()
    assert (cycle_parameters(analysis)["cycle_weight"] == 1.0).all()


@pytest.mark.parametrize(("duration_s", "reason"), [
    (0.5, "seen for only 0.5 s, less than a step"),
    (1.0, "not one step in 1.0 s"),  # one heel strike inside the clip
])
def test_less_than_a_step_is_insufficient_with_the_reason(duration_s: float, reason: str
                                                          ) -> None:
    walk = synthetic_walk(WalkerStyle(cadence_steps_per_min=100.0), duration_s=duration_s)
    analysis = analyse_gait(walk, "side")
    assert not analysis.sufficient
    assert reason in (analysis.insufficient_reason or "")
    assert cycle_parameters(analysis).empty


def test_no_person_is_insufficient() -> None:
    empty = KeypointSequence(np.full((50, 33, 4), np.nan, np.float32), np.arange(50), 25.0)
    analysis = analyse_gait(empty, "front")
    assert not analysis.sufficient
    assert "no person" in (analysis.insufficient_reason or "")


def _transformed(seq: KeypointSequence, shift: tuple[float, float], scale: float,
                 mirror: bool) -> KeypointSequence:
    xyzv = seq.xyzv.astype(np.float64).copy()
    centre = np.array([0.5, 0.5])
    xyzv[..., :2] = (xyzv[..., :2] - centre) * scale + centre + np.array(shift)
    xyzv[..., 2] *= scale
    if mirror:
        xyzv[..., 0] = 1.0 - xyzv[..., 0]
    return KeypointSequence(xyzv.astype(np.float32), seq.frame_index, seq.fps,
                            seq.frame_size_px)


@settings(max_examples=12, deadline=None)
@given(dx=st.floats(-0.1, 0.1), dy=st.floats(-0.1, 0.1), scale=st.floats(0.6, 1.4),
       mirror=st.booleans())
def test_normalised_parameters_invariant_to_translation_scale_mirror(
    dx: float, dy: float, scale: float, mirror: bool
) -> None:
    base = synthetic_walk(WalkerStyle(cadence_steps_per_min=104.0), view="side", duration_s=5.0)
    names = ["cadence_steps_per_min", "thigh_length_left_bl", "knee_flexion_rom_right_deg",
             "hip_flexion_rom_left_deg", "step_length_bl", "trunk_length_bl"]
    reference = cycle_parameters(analyse_gait(base, "side"))[names].median()
    moved = cycle_parameters(analyse_gait(_transformed(base, (dx, dy), scale, mirror), "side"))
    np.testing.assert_allclose(moved[names].median(), reference, rtol=0.03, atol=0.5)


@settings(max_examples=8, deadline=None)
@given(fps=st.sampled_from([24.0, 25.0, 29.97, 30.0, 50.0, 60.0]),
       drop=st.floats(0.0, 0.15))
def test_parameters_invariant_to_frame_rate_and_dropped_frames(fps: float, drop: float) -> None:
    style = WalkerStyle(cadence_steps_per_min=96.0)
    walk = synthetic_walk(style, view="side", fps=fps, duration_s=6.0, seed=1)
    keep = np.random.default_rng(3).random(walk.n_frames) >= drop
    keep[[0, -1]] = True
    thinned = KeypointSequence(walk.xyzv[keep], walk.frame_index[keep], walk.fps,
                               walk.frame_size_px)
    params = cycle_parameters(analyse_gait(thinned, "side"))
    np.testing.assert_allclose(params["cadence_steps_per_min"].median(), 96.0, rtol=0.03)
    np.testing.assert_allclose(params["knee_flexion_rom_left_deg"].median(), 55.0, atol=3.0)


def test_front_view_stride_period_from_ankle_heights() -> None:
    """Seen from behind, cycles are found and their stride time is the walker's."""
    style = WalkerStyle(cadence_steps_per_min=110.0)
    walk = synthetic_walk(style, view="front", direction="back", duration_s=4.0, seed=2)
    analysis = analyse_gait(walk, "front")
    assert analysis.sufficient
    durations = np.array([c.duration_s for c in analysis.cycles])
    np.testing.assert_allclose(np.median(durations), 120.0 / 110.0, rtol=0.05)


@pytest.mark.parametrize("fps", [25.0, 30.0])
def test_walks_away_strike_at_the_pelvis_dips(fps: float) -> None:
    """Seen from behind, heel strikes are the pelvis's lowest points (for the stick figure,
    every half stride from time 0), and the feet alternate."""
    style = WalkerStyle(cadence_steps_per_min=110.0)
    step_s = style.stride_time_s / 2
    walk = synthetic_walk(style, view="front", direction="back", fps=fps, duration_s=6.0,
                          noise_fh=0.0)
    analysis = analyse_gait(walk, "front")
    assert analysis.direction == "back" and len(analysis.cycles) >= 6
    (events,) = analysis.events
    times = np.concatenate([events.heel_strike_s[f] for f in ("left", "right")])
    feet = np.repeat([0, 1], [events.heel_strike_s[f].size for f in ("left", "right")])
    order = np.argsort(times)
    times, feet = times[order], feet[order]
    assert times.size >= 9
    phase = (times / step_s) % 1.0
    assert (np.minimum(phase, 1.0 - phase) * step_s).max() <= 1.5 / fps + 1e-9
    assert np.all(np.diff(feet) != 0)


def test_walk_away_without_a_pelvis_bounce_falls_back_to_the_feet() -> None:
    style = WalkerStyle(cadence_steps_per_min=110.0, bob_fh=0.0)
    walk = synthetic_walk(style, view="front", direction="back", duration_s=6.0, seed=4)
    analysis = analyse_gait(walk, "front")
    assert analysis.sufficient and len(analysis.cycles) >= 6
    durations = np.array([c.duration_s for c in analysis.cycles])
    np.testing.assert_allclose(np.median(durations), style.stride_time_s, rtol=0.05)


def test_walk_away_whose_pelvis_dips_once_a_stride_keeps_the_feet_rhythm() -> None:
    """A bounce dominated by one side (one dip a stride) is not a step rhythm: the feet's
    signal times the steps."""
    style = WalkerStyle(cadence_steps_per_min=110.0, bob_fh=0.0)
    walk = synthetic_walk(style, view="front", direction="back", duration_s=6.0, seed=5)
    time_s = walk.frame_index / walk.fps
    xyzv = walk.xyzv.copy()
    xyzv[..., 1] += 0.012 * np.cos(2 * np.pi * time_s / style.stride_time_s)[:, None]
    limping = KeypointSequence(xyzv, walk.frame_index, walk.fps, walk.frame_size_px)
    analysis = analyse_gait(limping, "front")
    assert analysis.sufficient and len(analysis.cycles) >= 6
    durations = np.array([c.duration_s for c in analysis.cycles])
    exact = np.isclose(durations, style.stride_time_s, rtol=0.05)
    assert exact.mean() >= 0.8 and np.median(durations) == pytest.approx(style.stride_time_s,
                                                                         rel=0.05)


def test_striking_foot_is_the_one_leading_before_a_late_strike() -> None:
    """The left heel leads around even steps, the right one around odd steps (separation
    cos(pi t / step)); strikes timed 0.6 step after each foot's furthest lead (a late pelvis
    dip) find the heels already crossed, but the half step before still shows the leader."""
    step = 20
    t = np.arange(10 * step)
    separation = np.cos(np.pi * t / step)
    strikes = np.arange(5) * step + int(0.6 * step) + 2 * step
    expected = ["left", "right", "left", "right", "left"]
    assert list(striking_feet(separation, strikes, lead_samples=step // 2)) == expected
    # At the strike alone, every foot comes out wrong.
    assert list(striking_feet(separation, strikes)) == ["right", "left", "right", "left", "right"]
