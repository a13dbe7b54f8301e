"""The keypoint type and file format: validation, round trip, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gait.media.datasets import load_dataset
from gait.media.keypoints import KeypointFormatError, KeypointSequence, load_npz, save_npz
from gait.pose.synthetic import synthetic_walk


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    walk = synthetic_walk(duration_s=2.0)
    path = save_npz(walk, tmp_path / "walk.npz")
    again = load_npz(path)
    np.testing.assert_array_equal(again.xyzv, walk.xyzv)
    np.testing.assert_array_equal(again.frame_index, walk.frame_index)
    assert again.fps == walk.fps and again.frame_size_px == walk.frame_size_px
    assert again.meta["synthetic"] is True


def test_reads_the_shared_format(shared_data: Path) -> None:
    record, seq = next(load_dataset(shared_data / "keypoints" / "enrol", view="side"))
    assert seq.xyzv.shape[1:] == (33, 4) and seq.fps in (25.0, 30.0)
    assert seq.frame_size_px is None and seq.aspect_ratio == pytest.approx(16 / 9)
    assert record.view == "side"


@pytest.mark.parametrize(
    "xyzv,frame_index,message",
    [
        (np.zeros((5, 32, 4)), np.arange(5), "shape"),
        (np.full((5, 33, 4), np.inf), np.arange(5), "infinite"),
        (np.zeros((5, 33, 4)), np.arange(4), "frame_index"),
        (np.zeros((5, 33, 4)), np.array([0, 1, 1, 2, 3]), "increasing"),
    ],
)
def test_invalid_arrays_are_refused(
    xyzv: np.ndarray, frame_index: np.ndarray, message: str
) -> None:
    with pytest.raises(KeypointFormatError, match=message):
        KeypointSequence(xyzv, frame_index, 25.0)


def test_nan_frames_are_gaps_not_errors() -> None:
    xyzv = np.random.default_rng(0).random((6, 33, 4)).astype(np.float32)
    xyzv[2, 5, 0] = np.nan
    seq = KeypointSequence(xyzv, np.arange(6), 30.0)
    assert seq.detected.tolist() == [True, True, False, True, True, True]


@pytest.mark.parametrize("content", [b"", b"this is not an npz file"])
def test_unreadable_files_give_one_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(KeypointFormatError, match="not a readable"):
        load_npz(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeypointFormatError, match="no such"):
        load_npz(tmp_path / "missing.npz")
