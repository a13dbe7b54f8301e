"""Tests of gait.walk.sequence: cleaning a keypoint sequence into a normalised walk."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from gait.media import landmarks as lm
from gait.media.keypoints import KeypointSequence
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.sequence import (
    ARM_CHAIN_LEFT,
    ARM_CHAIN_RIGHT,
    LEG_CHAIN_LEFT,
    LEG_CHAIN_RIGHT,
    CleanSettings,
    CleanWalk,
    clean_walks,
    correct_facing,
    implausible_pose_fraction,
    interpolate,
    repair_limb_labels,
    untangle_legs,
    walking_angle_deg,
    zero_phase_filter,
)
from tests.helpers import squeezed_legs


def _with_flipped_facing(sequence: KeypointSequence, frames: np.ndarray) -> KeypointSequence:
    """``sequence`` with every left and right label exchanged in ``frames`` (MediaPipe
    taking the person to face the other way)."""
    xyzv = sequence.xyzv.copy()
    xyzv[frames] = xyzv[frames][:, list(lm.LEFT_RIGHT_SWAP)]
    return KeypointSequence(xyzv, sequence.frame_index, sequence.fps, sequence.frame_size_px)


def _runs_of_frames(n_frames: int, seed: int) -> np.ndarray:
    """Short runs (2-6 frames) of flipped frames, about a fifth of the clip, as MediaPipe
    produces them."""
    rng = np.random.default_rng(seed)
    flipped = np.zeros(n_frames, dtype=bool)
    for start in rng.choice(n_frames - 6, size=n_frames // 20, replace=False):
        flipped[start:start + rng.integers(2, 7)] = True
    return flipped


@pytest.mark.parametrize("direction", ["front", "back"])
@pytest.mark.parametrize("share", ["runs", "whole clip"])
def test_front_view_facing_flips_are_undone(direction: str, share: str) -> None:
    walk = synthetic_walk(view="front", direction=direction, duration_s=4.0, seed=3)
    n = walk.xyzv.shape[0]
    frames = _runs_of_frames(n, seed=5) if share == "runs" else np.ones(n, dtype=bool)
    flipped = _with_flipped_facing(walk, frames)

    truth = clean_walks(walk, "front")[0]
    repaired = clean_walks(flipped, "front")[0]
    unrepaired = clean_walks(flipped, "front", CleanSettings(correct_facing=False))[0]

    assert repaired.direction == truth.direction == direction
    np.testing.assert_allclose(repaired.xyz_bl, truth.xyz_bl, atol=1e-6)
    assert repaired.relabelled_fraction == pytest.approx(frames.mean())
    assert truth.relabelled_fraction == 0.0
    # Without the repair the left wrist, say, jumps to the other side of the body.
    assert np.abs(unrepaired.xyz_bl[:, lm.L_WRIST] - truth.xyz_bl[:, lm.L_WRIST]).max() > 0.1


def test_correctly_labelled_walks_are_left_alone() -> None:
    for direction in ("front", "back"):
        walk = synthetic_walk(view="front", direction=direction, noise_fh=0.001, seed=1)
        on = clean_walks(walk, "front")[0]
        off = clean_walks(walk, "front", CleanSettings(correct_facing=False))[0]
        np.testing.assert_array_equal(on.xyz_bl, off.xyz_bl)


@pytest.mark.parametrize("view,direction", [("front", "front"), ("front", "back"),
                                            ("side", "right")])
def test_legs_out_of_proportion_are_left_out(view: str, direction: str) -> None:
    walk = synthetic_walk(view=view, direction=direction, duration_s=5.0, noise_fh=0.001,
                          seed=4)
    squeezed = squeezed_legs(walk, slice(0, 40), 0.5)  # the first 1.33 s at 30 fps

    assert implausible_pose_fraction(walk) == 0.0
    assert implausible_pose_fraction(squeezed) == pytest.approx(40 / walk.n_frames)
    truth = clean_walks(walk, view)
    cleaned = clean_walks(squeezed, view)
    # The squeezed start is a gap longer than max_gap_s: the walk starts after it and runs
    # to the clean walk's end.
    assert len(cleaned) == len(truth) == 1
    assert cleaned[0].time_s[0] == pytest.approx(40 / walk.fps)
    start = np.searchsorted(truth[0].time_s, cleaned[0].time_s[0] - 1e-9)
    kept = truth[0].time_s.size - start
    assert cleaned[0].time_s.size == kept
    # Without the check the squeezed frames shorten the body and end up in the walk.
    unchecked = clean_walks(squeezed, view, CleanSettings(max_proportion_log_deviation=0))
    assert unchecked[0].time_s[0] == 0.0


def test_clean_settings_refuse_a_negative_proportion_limit() -> None:
    with pytest.raises(ValueError, match="max_proportion_log_deviation"):
        CleanSettings(max_proportion_log_deviation=-0.1)


def test_correct_facing_exchanges_positions_and_visibility_of_flipped_frames_only() -> None:
    xyz = np.zeros((3, 33, 3))
    vis = np.zeros((3, 33))
    # Walking away: the right shoulder and hip are on the image's right (larger x). Frame 2
    # is turned sideways (the wrong order, but far closer together than usual).
    for frame, right_x in ((0, 0.6), (1, 0.4), (2, 0.49)):
        xyz[frame, [lm.R_SHOULDER, lm.R_HIP], 0] = right_x
        xyz[frame, [lm.L_SHOULDER, lm.L_HIP], 0] = 1.0 - right_x
        vis[frame, lm.L_KNEE], vis[frame, lm.R_KNEE] = 0.2, 0.9
    fixed_xyz, fixed_vis = correct_facing(xyz, vis, towards_camera=False)
    np.testing.assert_array_equal(fixed_xyz[0], xyz[0])
    np.testing.assert_array_equal(fixed_vis[0], vis[0])
    assert fixed_xyz[1, lm.R_SHOULDER, 0] == 0.6 and fixed_xyz[1, lm.L_HIP, 0] == 0.4
    assert (fixed_vis[1, lm.L_KNEE], fixed_vis[1, lm.R_KNEE]) == (0.9, 0.2)
    np.testing.assert_array_equal(fixed_xyz[2], xyz[2])
    # The same frames are right for a walk towards the camera, except the first.
    towards_xyz, _ = correct_facing(xyz, vis, towards_camera=True)
    np.testing.assert_array_equal(towards_xyz[1], xyz[1])
    assert towards_xyz[0, lm.R_SHOULDER, 0] == 0.4


@settings(max_examples=30, deadline=None)
@given(angle=st.floats(0.0, 60.0), towards=st.booleans(), view=st.sampled_from(["side", "front"]))
def test_walking_angle_known_answer(angle: float, towards: bool, view: str) -> None:
    """A pinhole camera (focal 1.78 frame heights) films a walk of 4 body lengths at a known
    angle to the image plane (side) or to the camera's axis (front), starting 8 body lengths
    away: the angle is read back from the image alone."""
    focal, theta = 1.78, np.radians(angle)
    s = np.linspace(0.0, 4.0, 120)
    if view == "side":
        across, depth = s * np.cos(theta), 8.0 + (-1 if towards else 1) * s * np.sin(theta)
    else:
        across, depth = s * np.sin(theta), 8.0 + (-1 if towards else 1) * s * np.cos(theta)
    x_fh, length_fh = focal * across / depth, focal / depth
    np.testing.assert_allclose(walking_angle_deg(x_fh, length_fh, focal, view), angle,
                               atol=0.5)


def test_a_side_walk_at_an_angle_is_flagged_and_its_strides_restored() -> None:
    """The synthetic walk turned by the camera homography (pan 25 degrees) is seen at an angle:
    the quality card says so, and the stride length after undoing the foreshortening is
    closer to the straight walk's than without."""
    from gait.walk.augmentation import turn_camera
    from gait.walk.cycles import analyse_gait
    from gait.walk.parameter_table import cycle_parameters
    from gait.walk.quality import quality_card

    walk = synthetic_walk(WalkerStyle(), view="side", duration_s=5.0)
    aspect = walk.aspect_ratio
    xyzv = walk.xyzv.astype(np.float64)
    x, y = turn_camera((xyzv[..., 0] - 0.5) * aspect, xyzv[..., 1] - 0.5, 0.0,
                       np.radians(25.0), focal=aspect)
    xyzv[..., 0], xyzv[..., 1] = x / aspect + 0.5, y + 0.5
    oblique = KeypointSequence(xyzv.astype(np.float32), walk.frame_index, walk.fps,
                               walk.frame_size_px)
    card = quality_card(oblique, "side")
    assert any("degrees to the image plane" in w for w in card.warnings), card.warnings
    assert not any("degrees to the" in w for w in quality_card(walk, "side").warnings)

    def stride(sequence: KeypointSequence, undo: bool) -> float:
        analysis = analyse_gait(sequence, "side", CleanSettings(undo_foreshortening=undo))
        return float(cycle_parameters(analysis)["stride_length_bl"].median())

    straight = stride(walk, True)
    assert abs(stride(oblique, True) - straight) < abs(stride(oblique, False) - straight)


def _strikes(walk: CleanWalk) -> dict[str, np.ndarray]:
    from gait.walk.cycles import detect_events

    return detect_events(walk).heel_strike_s


def _exchanged(xyz: np.ndarray, left: tuple[int, ...], right: tuple[int, ...],
               rows: slice = slice(None)) -> np.ndarray:
    out = xyz.copy()
    out[rows, list(left + right)] = xyz[rows, list(right + left)]
    return out


@pytest.mark.parametrize("arms_too", [False, True])
@pytest.mark.parametrize("from_step", [1, 3, 5])
def test_limb_labels_that_contradict_the_strikes_are_repaired(from_step: int,
                                                              arms_too: bool) -> None:
    """The leg tracker's error: from one crossing of the legs on, each leg carries the other's
    labels; MediaPipe's: the arms' labels exchanged for a whole walk. The strikes, found
    without the labels, put them back: for the whole walk, or for none of it but then every
    limb the opposite way (which side is called left is arbitrary in a side view; that legs,
    arms and strikes agree throughout is what matters)."""
    truth = clean_walks(synthetic_walk(view="side", duration_s=6.0, seed=2), "side")[0]
    index = np.searchsorted(truth.time_s, np.sort(np.concatenate(list(_strikes(truth).values()))))
    cut = (index[from_step] + index[from_step + 1]) // 2  # mid step: where the legs cross
    xyz = _exchanged(truth.xyz_bl, LEG_CHAIN_LEFT, LEG_CHAIN_RIGHT, slice(cut, None))
    if arms_too:
        xyz = _exchanged(xyz, ARM_CHAIN_LEFT, ARM_CHAIN_RIGHT)
    broken = replace(truth, xyz_bl=xyz)

    repaired = repair_limb_labels(broken, _strikes(broken)).xyz_bl
    every_limb_exchanged = _exchanged(_exchanged(truth.xyz_bl, LEG_CHAIN_LEFT, LEG_CHAIN_RIGHT),
                                      ARM_CHAIN_LEFT, ARM_CHAIN_RIGHT)
    assert (np.allclose(repaired, truth.xyz_bl)
            or np.allclose(repaired, every_limb_exchanged))
    assert not np.allclose(broken.xyz_bl, truth.xyz_bl)
    assert repair_limb_labels(truth, _strikes(truth)) is truth  # nothing to repair
    # Each kind of limb only when asked.
    arms, legs = list(ARM_CHAIN_LEFT + ARM_CHAIN_RIGHT), list(LEG_CHAIN_LEFT + LEG_CHAIN_RIGHT)
    legs_only = repair_limb_labels(broken, _strikes(broken), arms=False).xyz_bl
    np.testing.assert_array_equal(legs_only[:, arms], broken.xyz_bl[:, arms])
    arms_only = repair_limb_labels(broken, _strikes(broken), legs=False).xyz_bl
    np.testing.assert_array_equal(arms_only[:, legs], broken.xyz_bl[:, legs])


def _crossing_legs(n_frames: int = 60) -> np.ndarray:
    """Landmarks, shape (n_frames, 33, 3), of two legs swinging past each other: the left
    leg's points move forward and back along x, the right leg's in antiphase."""
    t = np.arange(n_frames) / 30.0
    xyz = np.zeros((n_frames, 33, 3))
    for k, (left, right) in enumerate(zip(LEG_CHAIN_LEFT, LEG_CHAIN_RIGHT, strict=True)):
        swing = 0.2 * np.sin(2 * np.pi * 1.0 * t)
        xyz[:, left, 0], xyz[:, right, 0] = swing, -swing
        xyz[:, left, 1] = xyz[:, right, 1] = 0.5 + 0.1 * k
    return xyz


def _exchange_legs(xyz: np.ndarray, frames: np.ndarray) -> np.ndarray:
    out = xyz.copy()
    legs = list(LEG_CHAIN_LEFT) + list(LEG_CHAIN_RIGHT)
    out[np.ix_(frames, np.array(legs))] = xyz[frames][:, list(LEG_CHAIN_RIGHT)
                                                      + list(LEG_CHAIN_LEFT)]
    return out


def test_untangle_legs_undoes_label_swaps_between_crossings() -> None:
    """Frames whose leg labels were exchanged (the legs far apart, so the constant-velocity
    prediction knows which is which) get their labels back; a walk whose labels were right
    is left alone."""
    xyz = _crossing_legs()
    np.testing.assert_array_equal(untangle_legs(xyz), xyz)
    swapped = np.zeros(len(xyz), dtype=bool)
    swapped[[5, 6, 7, 20, 40, 41]] = True
    np.testing.assert_array_equal(untangle_legs(_exchange_legs(xyz, swapped)), xyz)


def test_untangle_legs_keeps_the_labelling_most_raw_frames_have() -> None:
    """When all but a few frames carry exchanged labels, tracking follows the first frame
    and then gives every frame the labels of the majority (the raw detector's)."""
    xyz = _crossing_legs()
    swapped = np.ones(len(xyz), dtype=bool)
    swapped[:3] = False
    raw = _exchange_legs(xyz, swapped)
    np.testing.assert_array_equal(untangle_legs(raw), _exchange_legs(xyz, np.ones(len(xyz),
                                                                                   dtype=bool)))


@pytest.mark.parametrize(("order", "cutoff_hz", "kind", "shape"), [
    (4, 6.0, "lowpass", (97, 33, 3)), (2, (0.5, 4.0), "bandpass", (40,)),
    (4, 6.0, "lowpass", (16,))])
def test_zero_phase_filter_is_scipy_s_sosfiltfilt_exactly(
        order: int, cutoff_hz: float | tuple[float, float], kind: str,
        shape: tuple[int, ...]) -> None:
    values = np.random.default_rng(3).normal(size=shape)
    sos = signal.butter(order, cutoff_hz, kind, fs=25.0, output="sos")
    np.testing.assert_array_equal(zero_phase_filter(values, order, cutoff_hz, kind, 25.0),
                                  signal.sosfiltfilt(sos, values, axis=0))


def test_zero_phase_filter_refuses_too_few_samples() -> None:
    with pytest.raises(ValueError, match="too few to filter"):
        zero_phase_filter(np.zeros(15), 4, 6.0, "lowpass", 30.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_interpolate_is_numpy_s_interp_exactly(n_samples: int, seed: int) -> None:
    """Column by column the same numbers as ``np.interp``, at grid times before, between, on
    and after the samples, with NaN and infinite values among them."""
    rng = np.random.default_rng(seed)
    time_s = np.cumsum(rng.uniform(0.01, 0.1, n_samples))
    values = rng.normal(size=(n_samples, 4, 3)).astype(np.float32)
    values[rng.random(values.shape) < 0.05] = np.nan
    values[rng.random(values.shape) < 0.05] = np.inf
    grid_s = np.concatenate([rng.uniform(time_s[0] - 0.2, time_s[-1] + 0.2, 30),
                             rng.choice(time_s, 5)])
    expected = np.stack([np.interp(grid_s, time_s, column)
                         for column in values.reshape(n_samples, -1).T], axis=1)
    np.testing.assert_array_equal(interpolate(time_s, values, grid_s),
                                  expected.reshape(grid_s.size, 4, 3))
