"""Known answers for the waveform (Fourier descriptor) parameters."""

from __future__ import annotations

import numpy as np
import pytest

from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.cycles import analyse_gait
from gait.walk.parameters import (
    CATALOGUE,
    WAVE_HARMONICS,
    cycle_parameters,
    fourier_descriptors,
    parameters_for_view,
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
