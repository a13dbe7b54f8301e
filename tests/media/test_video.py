"""Tests of gait.media.video: probing, frame decoding (threaded, bounded), bad files, hashing."""

from __future__ import annotations

import gc
import hashlib
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from gait.media.video import (
    VideoError,
    VideoInfo,
    fit_size,
    iter_frames,
    probe_video,
    sha256_file,
)
from tests.helpers import write_test_video


# --------------------------------------------------------------------------------------------
# Probing real clips
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "fps", "n_frames", "size", "codec"),
    [
        ("side_walk_1080p.mp4", 30.0, 114, (1920, 1080), "mpeg4"),
        ("side_walk_park_two_people.mp4", 30.0, 230, (1768, 994), "vp9"),
        ("crowd_elevated_10fps.avi", 10.0, 795, (768, 576), "msmpeg4"),
        ("casia-b/001-nm-01-090.avi", 25.0, 106, (320, 240), "mpeg4"),
    ],
)
def test_probe_real_clips(
    shared_videos: Path,
    name: str,
    fps: float,
    n_frames: int,
    size: tuple[int, int],
    codec: str,
) -> None:
    info = probe_video(shared_videos / name)
    assert isinstance(info, VideoInfo)
    assert info.fps == pytest.approx(fps)
    assert info.n_frames == n_frames
    assert info.frame_size_px == size
    assert info.rotation_deg == 0
    assert info.codec == codec
    assert info.duration_s == pytest.approx(n_frames / fps, rel=0.02)


def test_iter_frames_yields_every_frame_in_order(shared_videos: Path) -> None:
    path = shared_videos / "side_walk_1080p.mp4"
    indices, times = [], []
    with iter_frames(path) as frames:
        for index, timestamp_s, rgb in frames:
            assert rgb.shape == (1080, 1920, 3)
            assert rgb.dtype == np.uint8
            indices.append(index)
            times.append(timestamp_s)
    assert indices == list(range(114))
    np.testing.assert_allclose(times, np.arange(114) / 30.0, atol=1e-3)
    assert frames.n_decode_errors == 0
    assert not frames.stopped_early


def test_iter_frames_downscales_to_even_size(shared_videos: Path) -> None:
    stream = iter_frames(shared_videos / "side_walk_1080p.mp4", max_width_px=640)
    assert stream.size_px == (640, 360)
    first = next(stream)
    stream.close()
    assert first.rgb.shape == (360, 640, 3)


@pytest.mark.parametrize(
    ("size", "limits", "expected"),
    [
        ((1920, 1080), (None, None), (1920, 1080)),
        ((1920, 1080), (1920, None), (1920, 1080)),
        ((3840, 2160), (1920, None), (1920, 1080)),
        ((1768, 994), (None, 720), (1280, 720)),
        ((320, 240), (None, 720), (320, 240)),
        ((1080, 1920), (None, 720), (404, 720)),
    ],
)
def test_fit_size(
    size: tuple[int, int], limits: tuple[int | None, int | None], expected: tuple[int, int]
) -> None:
    assert fit_size(*size, *limits) == expected


def test_frames_come_out_upright_from_a_rotated_video(tmp_path: Path) -> None:
    # An upright portrait picture (tall, white band at the top) stored as a phone does:
    # turned clockwise in the stream, with a display matrix asking to turn it back by 90 deg.
    upright = np.zeros((64, 32, 3), dtype=np.uint8)
    upright[:12] = 255
    stored = np.ascontiguousarray(np.rot90(upright, k=-1))
    assert stored.shape == (32, 64, 3)
    path = write_test_video(tmp_path / "portrait.mp4", [stored] * 5, rotation_deg=90)
    info = probe_video(path)
    assert info.rotation_deg == 90
    assert info.frame_size_px == (32, 64)
    with iter_frames(path) as frames:
        rgb = next(frames).rgb
    assert rgb.shape == (64, 32, 3)
    assert rgb[:10].mean() > 200  # the band is at the top
    assert rgb[20:].mean() < 40


# --------------------------------------------------------------------------------------------
# Threading: bounded prefetch, early stop
# --------------------------------------------------------------------------------------------
def test_prefetch_is_bounded_and_close_stops_the_thread(shared_videos: Path) -> None:
    stream = iter_frames(shared_videos / "crowd_elevated_10fps.avi", prefetch=3)
    next(stream)
    time.sleep(0.3)  # the decoder runs ahead, but only by `prefetch` frames
    assert stream._decoder.queue.qsize() <= 3
    thread = stream._decoder.thread
    assert thread.is_alive()
    stream.close()
    assert not thread.is_alive()


def test_abandoned_stream_stops_its_thread(shared_videos: Path) -> None:
    stream = iter_frames(shared_videos / "crowd_elevated_10fps.avi", prefetch=2)
    next(stream)
    thread = stream._decoder.thread
    del stream
    gc.collect()
    thread.join(timeout=5.0)
    assert not thread.is_alive()


# --------------------------------------------------------------------------------------------
# Bad files: one clear line each
# --------------------------------------------------------------------------------------------
def _missing(tmp_path: Path, shared_videos: Path) -> Path:
    return tmp_path / "missing.mp4"


def _zero_bytes(tmp_path: Path, shared_videos: Path) -> Path:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    return path


def _text_renamed(tmp_path: Path, shared_videos: Path) -> Path:
    path = tmp_path / "notes.mp4"
    path.write_text("This is a text file, not a video.\n" * 20, encoding="utf-8")
    return path


def _directory(tmp_path: Path, shared_videos: Path) -> Path:
    path = tmp_path / "folder.mp4"
    path.mkdir()
    return path


def _audio_only(tmp_path: Path, shared_videos: Path) -> Path:
    path = tmp_path / "sound.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(8000)
        handle.writeframes(np.zeros(8000, dtype=np.int16).tobytes())
    return path


def _truncated_moov_at_end(tmp_path: Path, shared_videos: Path) -> Path:
    # side_walk_1080p.mp4 keeps its index (moov) at the end: a cut copy has none.
    data = (shared_videos / "side_walk_1080p.mp4").read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    return path


def _header_only(tmp_path: Path, shared_videos: Path) -> Path:
    data = (shared_videos / "side_walk_park_two_people.mp4").read_bytes()
    path = tmp_path / "header_only.mp4"
    path.write_bytes(data[:20_000])
    return path


@pytest.mark.parametrize(
    "make",
    [
        _missing,
        _zero_bytes,
        _text_renamed,
        _directory,
        _audio_only,
        _truncated_moov_at_end,
        _header_only,
    ],
)
def test_bad_videos_raise_one_line_video_error(
    tmp_path: Path, shared_videos: Path, make: object
) -> None:
    path = make(tmp_path, shared_videos)  # type: ignore[operator]
    with pytest.raises(VideoError) as probe_error:
        probe_video(path)
    with pytest.raises(VideoError):
        list(iter_frames(path))
    message = str(probe_error.value)
    assert "\n" not in message
    assert path.name in message
    assert isinstance(probe_error.value, ValueError)


def test_truncated_mp4_gives_the_frames_before_the_cut(tmp_path: Path, shared_videos: Path) -> None:
    # This clip keeps its index at the start, so a cut copy still opens.
    data = (shared_videos / "side_walk_park_two_people.mp4").read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    with iter_frames(path, max_width_px=320) as frames:
        indices = [frame.frame_index for frame in frames]
    assert 50 < len(indices) < 230
    assert indices == list(range(len(indices)))
    assert frames.stopped_early


def test_damaged_video_is_decoded_past_the_damage(tmp_path: Path, shared_videos: Path) -> None:
    data = bytearray((shared_videos / "casia-b" / "001-nm-01-090.avi").read_bytes())
    start = int(len(data) * 0.4)
    data[start : start + 5000] = b"\x00" * 5000  # a few frames' worth of data wiped out
    path = tmp_path / "damaged.avi"
    path.write_bytes(bytes(data))
    with iter_frames(path) as frames:
        indices = [frame.frame_index for frame in frames]
    assert 95 <= len(indices) <= 106
    assert np.all(np.diff(indices) > 0)


def test_sha256_file_matches_hashlib(shared_videos: Path, tmp_path: Path) -> None:
    path = shared_videos / "casia-b" / "001-bkgrd-090.avi"
    assert sha256_file(path, chunk_bytes=4096) == hashlib.sha256(path.read_bytes()).hexdigest()
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    assert sha256_file(empty) == hashlib.sha256(b"").hexdigest()
    with pytest.raises(VideoError):
        sha256_file(tmp_path / "missing.mp4")
