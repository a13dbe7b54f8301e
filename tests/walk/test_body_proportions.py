"""Tests of gait.walk.body_proportions: body length and implausible poses."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gait.pose.synthetic import synthetic_walk
from gait.walk.body_proportions import body_length, implausible_poses
from tests.helpers import squeezed_legs


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(0.2, 5.0), squeeze=st.floats(0.3, 0.6), seed=st.integers(0, 50))
def test_implausible_poses_ignore_size_and_catch_squeezed_legs(scale: float, squeeze: float,
                                                              seed: int) -> None:
    walk = synthetic_walk(view="front", direction="front", duration_s=3.0, seed=seed)
    xyz = walk.xyzv[..., :3].astype(np.float64)
    # Perspective scales trunk and legs alike: any size, growing or not, is plausible.
    growing = xyz * np.linspace(1.0, scale, xyz.shape[0])[:, None, None]
    assert not implausible_poses(growing, 0.3).any()
    squeezed = squeezed_legs(walk, slice(0, 10), squeeze).xyzv[..., :3].astype(np.float64)
    flagged = implausible_poses(squeezed, 0.3)
    assert flagged[:10].all() and not flagged[10:].any()


def test_body_length_known_answer() -> None:
    xyz = np.zeros((1, 33, 3))
    # Shoulders at y = 0, hips at y = 0.3 (trunk 0.3); each thigh 0.25 and shank 0.2 long.
    for shoulder, hip, knee, ankle, x in ((11, 23, 25, 27, -0.1), (12, 24, 26, 28, 0.1)):
        xyz[0, shoulder] = (x, 0.0, 0.0)
        xyz[0, hip] = (x, 0.3, 0.0)
        xyz[0, knee] = (x, 0.55, 0.0)
        xyz[0, ankle] = (x, 0.75, 0.0)
    np.testing.assert_allclose(body_length(xyz), [0.75])
    assert not implausible_poses(np.repeat(xyz, 5, axis=0), 0.3).any()
