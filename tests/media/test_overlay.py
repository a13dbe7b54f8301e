"""Tests of gait.media.overlay: skeleton drawing, H.264 writing (atomic), render from a sequence."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from gait.media.keypoints import KeypointSequence
from gait.media.landmarks import L_HIP, N_LANDMARKS
from gait.media.overlay import OverlayError, draw_skeleton, render_overlay, write_h264
from gait.pose import extraction


def _sequence_for(n_frames: int, fps: float, size: tuple[int, int]) -> KeypointSequence:
    """A person standing in the middle of the frame in every other frame (no pose model)."""
    xyzv = np.full((n_frames, N_LANDMARKS, 4), np.nan, dtype=np.float32)
    rng = np.random.default_rng(0)
    person = np.column_stack(
        [
            0.5 + 0.05 * rng.standard_normal(N_LANDMARKS),
            np.linspace(0.2, 0.9, N_LANDMARKS),
            np.zeros(N_LANDMARKS),
            np.full(N_LANDMARKS, 0.9),
        ]
    ).astype(np.float32)
    xyzv[::2] = person
    return KeypointSequence(xyzv=xyzv, frame_index=np.arange(n_frames), fps=fps, frame_size_px=size)


def _probe(path: Path) -> tuple[str, str, int, int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        n = sum(1 for _ in container.decode(stream))
        return (
            stream.codec_context.name,
            stream.codec_context.pix_fmt,
            stream.width,
            stream.height,
            n,
        )


def test_draw_skeleton_draws_only_detected_rows() -> None:
    rgb = np.zeros((240, 320, 3), dtype=np.uint8)
    draw_skeleton(rgb, np.full((N_LANDMARKS, 4), np.nan, dtype=np.float32))
    assert rgb.max() == 0
    person = _sequence_for(1, 25.0, (320, 240)).xyzv[0]
    draw_skeleton(rgb, person)
    assert rgb.max() > 0
    hip = (person[L_HIP, :2] * [320, 240]).astype(int)
    assert rgb[hip[1], hip[0]].max() > 0


@pytest.mark.slow
def test_render_overlay_from_a_sequence_is_small_h264_and_needs_no_pose_model(
    shared_videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pose model must not run")

    monkeypatch.setattr(extraction, "RegionFollower", forbidden)
    sequence = _sequence_for(114, 30.0, (1920, 1080))
    out = render_overlay(shared_videos / "side_walk_1080p.mp4", sequence, tmp_path / "o.mp4")
    assert out == tmp_path / "o.mp4"
    codec, pix_fmt, width, height, n = _probe(out)
    assert (codec, pix_fmt) == ("h264", "yuv420p")
    assert (width, height) == (1280, 720)  # downscaled to 720 px high, even sizes
    assert n == 114
    data = out.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")  # +faststart: playable while loading


def test_render_overlay_refuses_a_sequence_of_another_video(
    shared_videos: Path, tmp_path: Path
) -> None:
    sequence = _sequence_for(10, 25.0, (640, 480))
    with pytest.raises(OverlayError):
        render_overlay(
            shared_videos / "casia-b" / "001-nm-01-090.avi", sequence, tmp_path / "o.mp4"
        )
    assert not (tmp_path / "o.mp4").exists()


def test_write_h264_crops_odd_sizes(tmp_path: Path) -> None:
    frames = [(i, np.full((51, 75, 3), 40 * i, dtype=np.uint8)) for i in range(5)]
    out = write_h264(frames, tmp_path / "odd.mp4", fps=25.0)
    assert _probe(out) == ("h264", "yuv420p", 74, 50, 5)


def test_write_h264_is_atomic(tmp_path: Path) -> None:
    out = tmp_path / "video.mp4"
    out.write_bytes(b"previous version")

    def failing() -> object:
        for i in range(3):
            yield i, np.zeros((64, 64, 3), dtype=np.uint8)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_h264(failing(), out, fps=25.0)  # type: ignore[arg-type]
    assert out.read_bytes() == b"previous version"  # untouched
    assert [p.name for p in tmp_path.iterdir()] == ["video.mp4"]  # no temporary file left
    with pytest.raises(OverlayError):
        write_h264([], tmp_path / "empty.mp4", fps=25.0)
    assert not (tmp_path / "empty.mp4").exists()
