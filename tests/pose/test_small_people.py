"""People at any size (gait.pose.scan + gait.pose.roi): the shared 1080p walk shrunk to an
eighth of the frame height, in landscape and portrait frames, against the walk itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gait.media.derived import paste_scaled
from gait.media.keypoints import KeypointSequence
from gait.media.video import iter_frames
from gait.pose.extraction import extract_keypoints
from gait.pose.roi import Region, landmarks_array
from gait.walk.cycles import analyse_gait

WALK = "side_walk_1080p.mp4"


@pytest.fixture(scope="module")
def original(shared_videos: Path) -> tuple[KeypointSequence, list[np.ndarray]]:
    with iter_frames(shared_videos / WALK) as stream:
        frames = [f.rgb for f in stream]
    return extract_keypoints(shared_videos / WALK), frames


def test_a_region_maps_landmarks_back_to_the_frame() -> None:
    region = Region.around(np.array([500.0, 300.0]), radius_px=100.0)
    assert region.side_px == pytest.approx(320.0) and region.image_px == 320
    points = np.zeros((33, 4), np.float32)
    points[:, 0], points[:, 1], points[:, 2], points[:, 3] = 0.5, 0.25, 0.1, 0.7
    mapped = region.to_frame(points, (1000, 600))
    np.testing.assert_allclose(mapped[0], [500 / 1000, (140 + 80) / 600, 32 / 1000, 0.7],
                               rtol=1e-6)
    frame = np.zeros((600, 1000, 3), np.uint8)
    frame[290:310, 490:510] = 255  # a white square at the centre of the region
    cut = region.cut(frame)
    assert cut.shape == (320, 320, 3)
    assert cut[160, 160].tolist() == [255, 255, 255] and cut[5, 5].tolist() == [0, 0, 0]
    edge = Region.around(np.array([10.0, 10.0]), radius_px=100.0).cut(frame)
    assert edge[0, 0].tolist() == [114, 114, 114]  # outside the frame: grey


@pytest.mark.slow
def test_the_region_agrees_with_the_whole_frame(
        original: tuple[KeypointSequence, list[np.ndarray]]) -> None:
    """Where MediaPipe on the whole frame and on a region both find the walker, their
    landmarks agree to 0.01 frame heights on average."""
    import mediapipe as mp

    sequence, frames = original
    assert sequence.detected.all()
    diffs = []
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
        for row, rgb in enumerate(frames):
            result = pose.process(rgb)
            if result.pose_landmarks is None:
                continue
            whole = landmarks_array(result.pose_landmarks)
            ours = sequence.xyzv[row]
            diffs.append(np.hypot((ours[11:, 0] - whole[11:, 0]) * 16 / 9,
                                  ours[11:, 1] - whole[11:, 1]).mean())
    assert len(diffs) >= 110
    assert np.mean(diffs) <= 0.01


@pytest.mark.slow
@pytest.mark.parametrize(("width", "height", "x0", "y0"),
                         [(1920, 1080, 700, 600), (1080, 1920, 150, 1100)])
def test_a_walker_an_eighth_of_the_frame_tall_is_found_and_gives_the_same_gait(
        original: tuple[KeypointSequence, list[np.ndarray]], tmp_path: Path,
        shared_videos: Path, width: int, height: int, x0: int, y0: int) -> None:
    sequence, _ = original
    tall_px = sequence.meta["scan"]["tracks"][0]["median_height_px"]
    scale = (height / 8) / tall_px
    video = paste_scaled(shared_videos / WALK, tmp_path / f"small_{width}x{height}.mp4", scale,
                         (width, height), (x0, y0))
    found = extract_keypoints(video)
    assert found.frame_size_px == (width, height)
    assert found.detected.mean() >= 0.95
    # The original's landmarks, moved where they were pasted, against those found.
    expected_x = (sequence.xyzv[..., 0] * 1920 * scale + x0) / width
    expected_y = (sequence.xyzv[..., 1] * 1080 * scale + y0) / height
    rows = {int(f): i for i, f in enumerate(sequence.frame_index)}
    errors = []
    for i, frame_index in enumerate(found.frame_index):
        j = rows[int(frame_index)]
        if found.detected[i]:
            error = np.hypot((found.xyzv[i, 11:, 0] - expected_x[j, 11:]) * width / height,
                             found.xyzv[i, 11:, 1] - expected_y[j, 11:])
            errors.append(error.mean() * 8)  # in body heights (the person is height / 8)
    assert np.mean(errors) < 0.05
    cycles = analyse_gait(found, "side").cycles
    reference = analyse_gait(sequence, "side").cycles
    assert len(cycles) == len(reference)
    np.testing.assert_allclose([c.start_s for c in cycles], [c.start_s for c in reference],
                               atol=0.1)
