"""Known answers for the catalogue's parameters: the waveform descriptors, which parameters a
coat cannot move, which the network reads."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from gait.media import landmarks as lm
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.cycles import analyse_gait
from gait.walk.parameter_table import cycle_parameters
from gait.walk.parameters import (
    CATALOGUE,
    clothing_robust_names,
    parameters_for_view,
)
from gait.walk.waveforms import (
    WAVE_HARMONICS,
    fourier_descriptors,
    wave_channels,
    wave_parameter_name,
)


def test_fourier_descriptors_known_answer() -> None:
    phase = np.arange(32) / 32
    curves = np.column_stack([
        5.0 + 3.0 * np.cos(2 * np.pi * phase) - 2.0 * np.sin(2 * np.pi * phase),
        1.5 * np.sin(2 * np.pi * 3 * phase),
    ])
    coef = fourier_descriptors(curves, n_harmonics=3)
    assert coef.shape == (7, 2)
    np.testing.assert_allclose(coef[:, 0], [5, 3, -2, 0, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(coef[:, 1], [0, 0, 0, 0, 0, 0, 1.5], atol=1e-12)


@pytest.mark.parametrize("view", ["side", "front"])
def test_every_wave_channel_is_in_the_catalogue(view: str) -> None:
    names = {p.name for p in parameters_for_view(view)}
    for channel in wave_channels(view):
        for term in ("mean", *(f"h{h}{q}" for h in range(1, WAVE_HARMONICS + 1)
                               for q in ("cos", "sin"))):
            assert wave_parameter_name(channel, term) in names
    assert all(p.description and p.unit for p in CATALOGUE)


def test_wave_descriptors_of_a_synthetic_walk() -> None:
    """The synthetic walker's knee flexes ~55 degrees once per stride: the knee curve's first
    harmonic carries most of it; left- and right-foot cycles describe the same walker."""
    walk = synthetic_walk(WalkerStyle(cadence_steps_per_min=100.0), view="side", duration_s=6.0)
    params = cycle_parameters(analyse_gait(walk, "side"))
    assert len(params) >= 4
    h1 = np.hypot(params[wave_parameter_name("ipsi_knee", "h1cos")],
                  params[wave_parameter_name("ipsi_knee", "h1sin")])
    assert 10.0 < h1.median() < 40.0
    by_foot = params.groupby("foot")[wave_parameter_name("ipsi_knee", "mean")].median()
    assert abs(by_foot["left"] - by_foot["right"]) < 3.0
    for name in (wave_parameter_name("ipsi_thigh", "mean"), wave_parameter_name("trunk", "h1cos")):
        assert params[name].notna().all()
        assert params[name + "__visibility"].between(0, 1).all()


def test_which_parameters_are_clothing_robust() -> None:
    robust = set(clothing_robust_names("side")) | set(clothing_robust_names("front"))
    for name in ("stance_frac", "cadence_steps_per_min", "step_length_bl", "shank_length_left_bl",
                 "wave_ipsi_shank_h1cos_deg", "wave_contra_foot_mean_deg", "stride_length_bl",
                 "toe_lift_left_bl", "step_width_bl", "ankle_dorsiflexion_max_right_deg"):
        assert name in robust, name
    for name in ("trunk_length_bl", "thigh_length_left_bl", "knee_flexion_rom_left_deg",
                 "hip_flexion_max_right_deg", "arm_swing_rom_left_deg", "wave_ipsi_thigh_mean_deg",
                 "elbow_flexion_mean_left_deg", "trunk_lean_mean_deg", "hip_width_bl"):
        assert name not in robust, name
    assert clothing_robust_names("side") == [p.name for p in parameters_for_view("side")
                                             if p.clothing_robust]


def test_the_network_reads_every_parameter_but_the_faces() -> None:
    """The head width and the eye distance (eyes and ears) stay in the tables, out of the
    network's inputs; the nose, as the head's position, stays in both."""
    from gait.walk.features import feature_names

    for view in ("side", "front"):
        every = feature_names(view, True)
        read = feature_names(view, True, identifying_only=True)
        left_out = [n for n in every if n not in read]
        expected = ["head_width_bl", "eye_distance_bl"] if view == "front" else []
        assert left_out == expected + [n + "__visibility" for n in expected]
        assert read == [n for n in every if n not in left_out]  # the catalogue's order
        assert "neck_length_bl" in read and "wave_head_h1cos_deg" in read


def test_clothing_robust_parameters_ignore_the_arms_and_a_drop_of_the_hips() -> None:
    """A coat's outline, as MediaPipe sees it: elbows and wrists elsewhere, the hips lower.
    Every clothing-robust parameter keeps its value (up to the body-length scale, which the
    trunk and thigh share), while the proportions and arm angles move."""
    walk = synthetic_walk(WalkerStyle(cadence_steps_per_min=100.0), view="side", duration_s=6.0)
    xyzv = walk.xyzv.copy()
    xyzv[:, [lm.L_ELBOW, lm.R_ELBOW], 0] += 0.01
    xyzv[:, [lm.L_WRIST, lm.R_WRIST, lm.L_INDEX, lm.R_INDEX], 1] -= 0.03
    xyzv[:, [lm.L_HIP, lm.R_HIP], 1] += 0.01  # image y points down
    base = cycle_parameters(analyse_gait(walk, "side"))
    coat = cycle_parameters(analyse_gait(replace(walk, xyzv=xyzv), "side"))
    assert len(base) == len(coat) >= 4
    def relative_change(names: list[str]) -> pd.Series:
        before = base[names].median()
        return ((coat[names].median() - before).abs() / before.abs()).dropna()

    assert relative_change(clothing_robust_names("side")).max() < 0.002
    moved = relative_change(["trunk_length_bl", "elbow_flexion_mean_left_deg",
                             "knee_flexion_max_left_deg", "arm_swing_rom_right_deg"])
    assert len(moved) == 4 and moved.min() > 0.02

