"""Tests of gait.pose.extraction: settings, real extractions, person selection, overlay."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from gait.media.keypoints import KeypointSequence
from gait.media.landmarks import (
    L_HIP,
    R_HIP,
)
from gait.pose.extraction import (
    EXTRACTOR_VERSION,
    PoseError,
    extract_keypoints,
    landmark_height_px,
)
from gait.pose.settings import PoseSettings, mediapipe_model_available

CASIA_CLIP = "casia-b/001-nm-01-090.avi"


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------
def test_settings_defaults_and_dict_round_trip() -> None:
    settings = PoseSettings()
    assert settings.model_complexity == 1
    assert settings.min_detection_confidence == 0.5
    assert settings.min_tracking_confidence == 0.5
    assert settings.smooth_landmarks is True
    data = settings.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert PoseSettings(**data) == settings


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model_complexity": 3},
        {"min_detection_confidence": 1.5},
        {"min_tracking_confidence": -0.1},
        {"max_width_px": 10},
    ],
)
def test_settings_reject_bad_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PoseSettings(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("complexity", [0, 1, 2])
def test_only_models_inside_the_wheel_are_accepted(complexity: int) -> None:
    # mediapipe 0.10.21 ships pose_landmark_full (complexity 1) only and downloads the others
    # at run time, which must never happen.
    if mediapipe_model_available(complexity):
        assert PoseSettings(model_complexity=complexity).model_complexity == complexity
    else:
        with pytest.raises(ValueError, match="not in the installed mediapipe"):
            PoseSettings(model_complexity=complexity)
    assert mediapipe_model_available(1)


# --------------------------------------------------------------------------------------------
# Real extractions
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def casia_extraction(
    shared_videos: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[KeypointSequence, Path, list[tuple[int, int, float]]]:
    overlay = tmp_path_factory.mktemp("overlay") / "casia_overlay.mp4"
    calls: list[tuple[int, int, float]] = []
    sequence = extract_keypoints(
        shared_videos / CASIA_CLIP,
        PoseSettings(),
        progress=lambda done, total, fps: calls.append((done, total, fps)),
        overlay_path=overlay,
    )
    return sequence, overlay, calls


@pytest.mark.slow
def test_casia_extraction_shapes_and_metadata(
    casia_extraction: tuple[KeypointSequence, Path, list[tuple[int, int, float]]],
) -> None:
    sequence, _, _ = casia_extraction
    # The walker enters from the right after ~1.6 s: the range analysed runs from half a second
    # before the scan first saw them to the end of the clip, every frame of it (NaN rows where
    # the pose model did not find them yet, kept).
    n = sequence.n_frames
    assert 60 <= n <= 85
    assert sequence.xyzv.shape == (n, 33, 4)
    assert sequence.world_xyzv is not None and sequence.world_xyzv.shape == (n, 33, 4)
    np.testing.assert_array_equal(sequence.frame_index, np.arange(106 - n, 106))
    assert sequence.fps == 25.0
    assert sequence.frame_size_px == (320, 240)
    assert sequence.clip_id == "001-nm-01-090"
    walk = sequence.meta["walk"]
    assert walk["track_id"] == 1 and not walk["chosen_by_user"]
    assert walk["start_s"] == pytest.approx((106 - n) / 25.0, abs=0.05)
    detected = sequence.detected
    assert detected[-45:].all()
    assert 50 <= detected.sum() <= 75
    visibility = sequence.xyzv[detected][..., 3]
    assert visibility.min() >= 0.0 and visibility.max() <= 1.0
    # They walk right to left across most of the frame.
    hips_x = sequence.xyzv[detected][:, [L_HIP, R_HIP], 0].mean(axis=1)
    assert hips_x[0] - hips_x[-1] > 0.6
    meta = sequence.meta
    for key in (
        "source_file",
        "sha256",
        "fps",
        "frame_size_px",
        "duration_s",
        "rotation_deg",
        "n_frames",
        "n_frames_with_person",
        "settings",
        "software",
        "extractor_version",
        "extracted_at",
    ):
        assert key in meta, key
    assert meta["source_file"] == "001-nm-01-090.avi"
    assert len(meta["sha256"]) == 64
    assert meta["n_frames"] == n
    assert meta["n_frames_with_person"] == int(detected.sum())
    assert meta["settings"] == PoseSettings().to_dict()
    assert meta["extractor_version"] == EXTRACTOR_VERSION
    assert set(meta["software"]) >= {"gait", "mediapipe", "opencv", "av", "numpy"}
    # The walker is about half of the 240 px frame tall (landmarks: top of face to feet).
    assert 100.0 <= meta["person_height_px"] <= 140.0
    json.dumps(meta)  # stored as JSON in the .npz


def test_landmark_height_is_face_top_to_lowest_foot_point() -> None:
    xyzv = np.full((3, 33, 4), np.nan)
    for row, (top, bottom) in enumerate([(0.2, 0.7), (0.1, 0.7)]):
        xyzv[row, :, 1] = np.linspace(top, bottom, 33)  # face landmarks first, feet last
    assert landmark_height_px(xyzv, 200) == pytest.approx(200 * np.median([0.5, 0.6]))
    assert np.isnan(landmark_height_px(xyzv[2:], 200))  # nobody found: no height


@pytest.mark.slow
def test_progress_is_reported_up_to_the_last_frame(
    casia_extraction: tuple[KeypointSequence, Path, list[tuple[int, int, float]]],
) -> None:
    _, _, calls = casia_extraction
    assert calls, "progress was never called"
    done = [c[0] for c in calls]
    assert done == sorted(done)
    n = casia_extraction[0].n_frames
    assert calls[0][:2] == (0, n)  # at once, with the frame count of the range
    assert calls[-1][0] == calls[-1][1] == n
    assert all(c[2] >= 0.0 for c in calls)


@pytest.mark.slow
def test_extraction_writes_a_browser_playable_overlay(
    casia_extraction: tuple[KeypointSequence, Path, list[tuple[int, int, float]]],
) -> None:
    sequence, overlay, _ = casia_extraction
    with av.open(str(overlay)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (320, 240)
        n_frames = sum(1 for _ in container.decode(stream))
    assert n_frames == sequence.n_frames  # the range analysed
    data = overlay.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")  # +faststart
    assert [p.name for p in overlay.parent.iterdir()] == [overlay.name]  # no temp files


@pytest.mark.slow
def test_video_without_a_person_raises_pose_error(shared_videos: Path) -> None:
    # Documented choice: an extraction that finds nobody is an error, not an empty sequence.
    with pytest.raises(PoseError) as error:
        extract_keypoints(shared_videos / "casia-b" / "001-bkgrd-090.avi")
    message = str(error.value)
    assert "no person" in message
    assert "001-bkgrd-090.avi" in message
    assert "\n" not in message


@pytest.mark.slow
def test_truncated_video_is_extracted_up_to_the_cut(shared_videos: Path, tmp_path: Path) -> None:
    data = (shared_videos / CASIA_CLIP).read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    sequence = extract_keypoints(cut)
    assert 70 <= sequence.frame_index[-1] < 105
    assert sequence.meta["stopped_early"] is True
    assert sequence.detected.sum() >= 20


@pytest.mark.slow
def test_two_people_clip_follows_the_walker(shared_videos: Path) -> None:
    """A woman walks across a park while a man jumps on a box behind her.

    Plain MediaPipe Pose locks on the man (detected first) for ~170 frames; the extractor
    must return the woman, who crosses most of the frame from right to left.
    """
    sequence = extract_keypoints(shared_videos / "side_walk_park_two_people.mp4")
    detected = sequence.detected
    hips_x = sequence.xyzv[:, [L_HIP, R_HIP], 0].mean(axis=1)
    assert detected.sum() >= 100
    assert np.nanmax(hips_x) - np.nanmin(hips_x) > 0.6
    # Steadily leftwards: the man on the box never moves that way for long.
    steps = np.diff(hips_x[detected])
    assert (steps < 0).mean() > 0.8
    # While both are in view (frames 70-150) the tracked hips are the walker's, low in the
    # frame (the man stands on a box in the upper half).
    hips_y = sequence.xyzv[:, [L_HIP, R_HIP], 1].mean(axis=1)
    assert np.nanmin(hips_y[70:150]) > 0.6
    assert sequence.meta["n_person_tracks"] >= 2
