"""Tests of gait.walk.quality: the quality card of a clip, its warnings and its refusals."""

from __future__ import annotations

import numpy as np
import pytest

from gait.media import landmarks as lm
from gait.media.keypoints import KeypointSequence
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.quality import quality_card
from tests.helpers import squeezed_legs


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


def test_quality_card_warns_of_poses_left_out() -> None:
    walk = synthetic_walk(view="front", direction="front", duration_s=5.0, seed=2)
    squeezed = squeezed_legs(walk, slice(0, 45), 0.5)  # 45 of 150 frames, the legs unseen
    card = quality_card(squeezed, "front")
    assert any("out of proportion with the trunk in 30% of the frames" in w
               for w in card.warnings)
    assert card.usable
    assert not any("out of proportion" in w for w in quality_card(walk, "front").warnings)


ARMS = {"left": (lm.L_SHOULDER, [lm.L_ELBOW, lm.L_WRIST]),
        "right": (lm.R_SHOULDER, [lm.R_ELBOW, lm.R_WRIST])}


def _arms_held_still(walk: KeypointSequence, *arms: str) -> KeypointSequence:
    """``walk`` with the elbow and wrist of each of ``arms`` carried along with the shoulder."""
    xyzv = walk.xyzv.copy()
    for arm in arms:
        shoulder, limb = ARMS[arm]
        hanging = np.median(xyzv[:, limb, :3] - xyzv[:, [shoulder], :3], axis=0)
        xyzv[:, limb, :3] = xyzv[:, [shoulder], :3] + hanging
    return KeypointSequence(xyzv, walk.frame_index, walk.fps, walk.frame_size_px)


@pytest.mark.parametrize("arm", ["left", "right"])
def test_quality_card_warns_of_one_arm_held_still(arm: str) -> None:
    walk = synthetic_walk(view="side", duration_s=6.0)
    held = quality_card(_arms_held_still(walk, arm), "side").warnings
    assert any(f"the {arm} arm hardly swings (0 degrees against" in w for w in held), held
    assert not any("hardly swings" in w for w in quality_card(walk, "side").warnings)
    # Both arms still: nothing to compare them with, no warning.
    both = quality_card(_arms_held_still(walk, "left", "right"), "side").warnings
    assert not any("arm" in w for w in both), both


def test_quality_card_warns_of_an_arm_the_pose_model_lost() -> None:
    walk = synthetic_walk(view="side", duration_s=6.0)
    xyzv = walk.xyzv.copy()
    # The right wrist wanders round the shoulder, a turn every 2 s, as a hidden arm's does.
    turn = 2 * np.pi * np.arange(len(xyzv)) / (2 * walk.fps)
    reach = np.linalg.norm(xyzv[0, lm.R_WRIST, :2] - xyzv[0, lm.R_SHOULDER, :2])
    xyzv[:, lm.R_WRIST, 0] = xyzv[:, lm.R_SHOULDER, 0] + reach * np.sin(turn) * 1080 / 1920
    xyzv[:, lm.R_WRIST, 1] = xyzv[:, lm.R_SHOULDER, 1] + reach * np.cos(turn)
    lost = KeypointSequence(xyzv, walk.frame_index, walk.fps, walk.frame_size_px)
    warned = [w for w in quality_card(lost, "side").warnings if "arm" in w]
    assert len(warned) == 1 and "the right arm's landmarks swing through" in warned[0], warned
