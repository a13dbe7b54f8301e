"""Tests of gait.walk.quality: the quality card of a clip, its warnings and its refusals."""

from __future__ import annotations

import numpy as np
import pytest

from gait.media import landmarks as lm
from gait.media.keypoints import KeypointSequence
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.quality import quality_card


def test_quality_card_of_a_good_walk() -> None:
    card = quality_card(synthetic_walk(view="side", duration_s=6.0), "side")
    assert card.usable and card.reason is None
    assert card.n_cycles >= 3
    assert card.frames_with_person == card.n_frames == 180
    assert card.mean_visibility == pytest.approx(0.95)
    assert card.warnings == ()


def test_quality_card_warnings_and_refusal() -> None:
    walk = synthetic_walk(view="side", duration_s=6.0, fps=15.0)
    xyzv = walk.xyzv.copy()
    xyzv[..., 3] = 0.3
    crowded = KeypointSequence(
        xyzv, walk.frame_index, walk.fps, walk.frame_size_px,
        meta={"n_person_tracks": 3, "selected_track": 0,
              "person_tracks": [{"median_height_px": 60.0, "n_frames": 90, "score": 5.0},
                                {"median_height_px": 90.0, "n_frames": 90, "score": 4.0},
                                {"median_height_px": 80.0, "n_frames": 90, "score": 1.0}]},
    )
    card = quality_card(crowded, "side", direction="left")
    text = " | ".join(card.warnings)
    for expected in ("low landmark visibility", "another person walks", "px tall",
                     "low frame rate", "not left as entered"):
        assert expected in text
    standing = synthetic_walk(WalkerStyle(hip_swing_deg=0.0, knee_flex_deg=0.0,
                                          arm_swing_deg=0.0), view="side", duration_s=1.0)
    refused = quality_card(standing, "side")
    assert not refused.usable and refused.n_cycles == 0 and refused.reason


def test_quality_card_warns_of_many_facing_flips() -> None:
    walk = synthetic_walk(view="front", direction="back", duration_s=5.0, seed=2)
    xyzv = walk.xyzv.copy()
    flipped = np.arange(len(xyzv)) % 5 == 0  # the pose model's facing guess wrong in 20 %
    xyzv[flipped] = xyzv[flipped][:, list(lm.LEFT_RIGHT_SWAP)]
    flipping = KeypointSequence(xyzv, walk.frame_index, walk.fps, walk.frame_size_px)
    warned = " | ".join(quality_card(flipping, "front").warnings)
    assert "face the other way in 20% of the frames" in warned
    assert not any("other way" in w for w in quality_card(walk, "front").warnings)
