"""Tests of gait.media.derived: recordings made from recordings (for tests and benchmarks)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gait.media.derived import CANVAS_GREY, paste_scaled, repeat_recording, write_h264
from gait.media.video import iter_frames, probe_video

CASIA_WALK = "casia-b/001-nm-01-090.avi"


def _frames(path: Path) -> list[np.ndarray]:
    with iter_frames(path) as stream:
        return [f.rgb for f in stream]


def test_a_recording_joined_to_itself_has_every_frame_in_order(
        shared_videos: Path, tmp_path: Path) -> None:
    source = shared_videos / CASIA_WALK
    joined = repeat_recording(source, tmp_path / "three.avi", 3)
    once, thrice = _frames(source), _frames(joined)
    assert len(thrice) == 3 * len(once)
    np.testing.assert_array_equal(thrice[2 * len(once) + 5], once[5])  # packets copied as is
    with iter_frames(joined) as stream:
        times = [f.timestamp_s for f in stream]
    assert np.all(np.diff(times) > 0)
    assert probe_video(joined).duration_s == pytest.approx(3 * probe_video(source).duration_s,
                                                           abs=0.1)
    with pytest.raises(ValueError, match="at least 1"):
        repeat_recording(source, tmp_path / "none.avi", 0)


def test_a_shrunk_recording_sits_where_it_was_pasted(tmp_path: Path) -> None:
    white = np.full((64, 96, 3), 255, np.uint8)
    source = write_h264(tmp_path / "white.mp4", [white] * 5, fps=10)
    small = paste_scaled(source, tmp_path / "small.mp4", 0.5, (200, 120), (40, 30))
    frames = _frames(small)
    assert len(frames) == 5 and frames[0].shape == (120, 200, 3)
    grey = frames[2].mean(axis=2)
    assert grey[30 + 4:30 + 28, 40 + 4:40 + 44].min() > 230  # the 48 x 32 picture
    assert abs(grey[5:25, 5:35].mean() - CANVAS_GREY) < 8  # the canvas around it
    with pytest.raises(ValueError, match="scale"):
        paste_scaled(source, tmp_path / "big.mp4", 1.5, (200, 120), (0, 0))
