"""Tests of gait.walk.parameter_table: the catalogue for every cycle, and the visibility
scores."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gait.media import landmarks as lm
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.cycles import analyse_gait
from gait.walk.parameter_table import cycle_parameters, parameter_values
from gait.walk.waveforms import wave_parameter_name


@pytest.mark.parametrize("view", ["side", "front"])
def test_one_parameter_alone_is_the_catalogue_table_s_column(view: str) -> None:
    analysis = analyse_gait(synthetic_walk(view=view, duration_s=5.0, noise_fh=0.002), view)
    table = cycle_parameters(analysis)
    names = ["arm_swing_rom_left_deg", "stride_time_s", "trunk_length_bl"]
    np.testing.assert_array_equal(parameter_values(analysis, *names), table[names])
    other = "step_length_bl" if view == "front" else "step_width_bl"
    assert other not in table
    with pytest.raises(KeyError, match=f"not a {view}-view parameter"):
        parameter_values(analysis, other)


def test_visibility_is_the_least_visible_landmark_of_the_limb_described() -> None:
    """Every landmark seen at 0.9 but the left knee at 0.5: a parameter of the left knee
    scores 0.5, one of the right leg 0.9; the same-side knee curve scores 0.5 in the cycles of
    the left foot and 0.9 in those of the right (its landmarks follow the cycle's foot)."""
    walk = synthetic_walk(WalkerStyle(cadence_steps_per_min=100.0), view="side", duration_s=6.0)
    xyzv = walk.xyzv.copy()
    xyzv[..., 3] = 0.9
    xyzv[:, lm.L_KNEE, 3] = 0.5
    params = cycle_parameters(analyse_gait(replace(walk, xyzv=xyzv), "side"))
    assert set(params["foot"]) == {"left", "right"}
    np.testing.assert_allclose(params["knee_flexion_rom_left_deg__visibility"], 0.5)
    np.testing.assert_allclose(params["knee_flexion_rom_right_deg__visibility"], 0.9)
    ipsi_knee = params[wave_parameter_name("ipsi_knee", "mean") + "__visibility"]
    np.testing.assert_allclose(ipsi_knee, np.where(params["foot"] == "left", 0.5, 0.9))


def test_each_cycle_carries_its_walk_s_angle_to_the_camera_s_axis() -> None:
    """The walking angle of the walk a cycle belongs to (a step's mirrored stride keeps it),
    what the identification reads to tell a walk at an angle."""
    analysis = analyse_gait(synthetic_walk(view="side", duration_s=5.0, noise_fh=0.002), "side")
    walks = analysis.all_walks
    turned = replace(analysis, walks=tuple(replace(w, walking_angle_deg=23.0) for w in walks))
    table = cycle_parameters(turned)
    assert len(table) == len(analysis.cycles) > 0
    np.testing.assert_array_equal(table["walk_angle_deg"], 23.0)
    straight = cycle_parameters(analysis)["walk_angle_deg"].to_numpy()
    np.testing.assert_array_equal(
        straight, [walks[c.walk_index].walking_angle_deg for c in analysis.cycles])
