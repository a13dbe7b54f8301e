"""Tests of gait.pose.throughput: the benchmark figures are positive frame rates."""

from __future__ import annotations

from pathlib import Path

import pytest

from gait.pose.throughput import measure_decode_fps, measure_extract_fps, measure_pose_fps


@pytest.mark.slow
def test_measurements_are_frame_rates(shared_videos: Path) -> None:
    clip = shared_videos / "casia-b" / "002-nm-01-090.avi"
    decode = measure_decode_fps(clip)
    pose = measure_pose_fps(clip, max_frames=60)
    extract = measure_extract_fps(clip)
    assert decode > pose > 0.0
    assert extract > 0.0
