"""Tests of gait.pose.cache: content addressing, hits without MediaPipe, corrupt entries, atomic
writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from gait.media.keypoints import KeypointSequence, save_npz
from gait.media.video import VideoError
from gait.pose import cache as cache_module
from gait.pose import extraction
from gait.pose.cache import KeypointCache, default_cache_dir
from gait.pose.settings import PoseSettings
from tests.helpers import write_test_video


@pytest.fixture(scope="module")
def short_walk(shared_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.6 s of a real CASIA-B walk (frames 44-83) as a small H.264 MP4: fast to extract."""
    path = tmp_path_factory.mktemp("clips") / "short_walk.mp4"
    with av.open(str(shared_videos / "casia-b" / "001-nm-01-090.avi")) as source:
        frames = [f.to_ndarray(format="rgb24") for f in source.decode(video=0)][44:84]
    return write_test_video(path, frames)


@pytest.fixture(scope="module")
def filled_cache(
    short_walk: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, KeypointSequence]:
    """A cache folder holding the short walk's keypoints and overlay (one real extraction)."""
    root = tmp_path_factory.mktemp("cache")
    sequence = KeypointCache(root).get_or_extract(short_walk, overlay=True)
    return root, sequence


def _forbid_pose_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("MediaPipe must not run on a cache hit")

    monkeypatch.setattr(extraction, "extract_keypoints", forbidden)
    monkeypatch.setattr(extraction, "RegionFollower", forbidden)
    monkeypatch.setattr(cache_module, "scan_recording", forbidden)


def _assert_same(a: KeypointSequence, b: KeypointSequence) -> None:
    np.testing.assert_array_equal(a.xyzv, b.xyzv)  # NaN rows compare equal here
    assert a.world_xyzv is not None and b.world_xyzv is not None
    np.testing.assert_array_equal(a.world_xyzv, b.world_xyzv)
    np.testing.assert_array_equal(a.frame_index, b.frame_index)
    assert a.fps == b.fps
    assert a.frame_size_px == b.frame_size_px
    assert dict(a.meta) == dict(b.meta)


def test_default_root_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GAIT_CACHE_DIR", str(tmp_path / "here"))
    assert KeypointCache().root_dir == tmp_path / "here"
    monkeypatch.delenv("GAIT_CACHE_DIR")
    assert default_cache_dir() == Path("~/.cache/gait-id/keypoints").expanduser()


def test_key_depends_on_content_and_settings_not_name(
    short_walk: Path, shared_videos: Path, tmp_path: Path
) -> None:
    cache = KeypointCache(tmp_path / "c")
    key = cache.key(short_walk)
    assert len(key) == 64
    copy = tmp_path / "renamed copy.mp4"
    shutil.copyfile(short_walk, copy)
    assert cache.key(copy) == key
    assert cache.key(short_walk, PoseSettings(min_detection_confidence=0.6)) != key
    assert cache.key(shared_videos / "casia-b" / "001-bkgrd-090.avi") != key
    assert cache.path_for(short_walk) == tmp_path / "c" / f"{key}.npz"
    assert cache.overlay_path_for(short_walk) == tmp_path / "c" / f"{key}.overlay.mp4"
    with pytest.raises(VideoError):
        cache.key(tmp_path / "missing.mp4")


@pytest.mark.slow
def test_miss_stores_keypoints_and_overlay(
    filled_cache: tuple[Path, KeypointSequence], short_walk: Path
) -> None:
    root, sequence = filled_cache
    cache = KeypointCache(root)
    assert cache.path_for(short_walk).is_file()
    assert cache.overlay_path_for(short_walk).is_file()
    assert sequence.xyzv.shape == (40, 33, 4)
    assert sequence.detected.sum() >= 30
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no temp files


@pytest.mark.slow
def test_hit_never_runs_mediapipe_and_returns_equal_arrays(
    filled_cache: tuple[Path, KeypointSequence],
    short_walk: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, extracted = filled_cache
    _forbid_pose_model(monkeypatch)
    cache = KeypointCache(root)
    got = cache.get(short_walk)
    assert got is not None
    _assert_same(got, extracted)
    again = cache.get_or_extract(short_walk, overlay_path=tmp_path / "copy.mp4")
    _assert_same(again, extracted)
    assert (tmp_path / "copy.mp4").read_bytes() == cache.overlay_path_for(short_walk).read_bytes()
    # Same content under another name: a hit, named after the file asked for.
    other = tmp_path / "evidence.mp4"
    shutil.copyfile(short_walk, other)
    renamed = cache.get_or_extract(other)
    assert renamed.clip_id == "evidence"
    np.testing.assert_array_equal(renamed.xyzv, extracted.xyzv)


@pytest.mark.slow
def test_missing_overlay_is_drawn_from_cached_keypoints(
    filled_cache: tuple[Path, KeypointSequence],
    short_walk: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, _ = filled_cache
    private = tmp_path / "c"
    shutil.copytree(root, private)
    cache = KeypointCache(private)
    cache.overlay_path_for(short_walk).unlink()
    _forbid_pose_model(monkeypatch)
    cache.get_or_extract(short_walk, overlay=True)
    with av.open(str(cache.overlay_path_for(short_walk))) as container:
        assert container.streams.video[0].codec_context.name == "h264"


def test_get_on_an_empty_cache_is_a_miss(short_walk: Path, tmp_path: Path) -> None:
    assert KeypointCache(tmp_path / "nothing").get(short_walk) is None


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"garbage, not an npz archive"),
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        lambda p: p.write_bytes(b""),
        lambda p: p.write_bytes(p.read_bytes()[:200] + bytes(60) + p.read_bytes()[260:]),
    ],
    ids=["garbage", "truncated", "empty", "bit-rot"],
)
def test_corrupt_entry_is_a_miss_and_gets_replaced(
    filled_cache: tuple[Path, KeypointSequence],
    short_walk: Path,
    tmp_path: Path,
    damage: object,
) -> None:
    root, _ = filled_cache
    private = tmp_path / "c"
    shutil.copytree(root, private)
    cache = KeypointCache(private)
    entry = cache.path_for(short_walk)
    damage(entry)  # type: ignore[operator]
    assert cache.get(short_walk) is None
    assert not entry.exists()


@pytest.mark.slow
def test_corrupt_entry_is_extracted_again(
    filled_cache: tuple[Path, KeypointSequence], short_walk: Path, tmp_path: Path
) -> None:
    root, extracted = filled_cache
    private = tmp_path / "c"
    shutil.copytree(root, private)
    cache = KeypointCache(private)
    cache.path_for(short_walk).write_bytes(b"garbage")
    sequence = cache.get_or_extract(short_walk)
    np.testing.assert_allclose(sequence.xyzv, extracted.xyzv, equal_nan=True)
    assert cache.get(short_walk) is not None


@pytest.mark.slow
def test_entry_of_other_settings_or_content_is_not_served(
    filled_cache: tuple[Path, KeypointSequence], short_walk: Path, tmp_path: Path
) -> None:
    # An entry whose metadata does not match its key (e.g. a file copied in by hand) is
    # dropped rather than trusted.
    root, _ = filled_cache
    private = tmp_path / "c"
    shutil.copytree(root, private)
    cache = KeypointCache(private)
    wrong_key = cache.path_for(short_walk, PoseSettings(min_tracking_confidence=0.7))
    shutil.copyfile(cache.path_for(short_walk), wrong_key)
    assert cache.get(short_walk, PoseSettings(min_tracking_confidence=0.7)) is None
    assert not wrong_key.exists()


def test_failing_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sequence = KeypointSequence(
        xyzv=np.zeros((3, 33, 4), dtype=np.float32), frame_index=np.arange(3), fps=25.0
    )

    def crash_midway(handle: object, **arrays: object) -> None:
        handle.write(b"PK\x03\x04 half an archive")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", crash_midway)
    entry = tmp_path / "entry.npz"
    with pytest.raises(OSError, match="disk full"):
        save_npz(sequence, entry)
    assert list(tmp_path.iterdir()) == []
