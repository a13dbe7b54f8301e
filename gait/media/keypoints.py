"""The keypoint sequence type and its on-disk format (one ``.npz`` per clip).

Every later stage works on :class:`KeypointSequence`, whether it was extracted from a video
(:mod:`gait.pose.extraction`) or imported from a keypoint data set
(:func:`gait.media.datasets.load_dataset`).

On-disk format of one clip (``.npz``, read without pickle):

========================  ==========================  =============================================
array                     shape, dtype                meaning
========================  ==========================  =============================================
``xyzv``                  (n_frames, 33, 4) float32   x, y (normalised image coordinates), z
                                                      (MediaPipe relative depth), visibility [0, 1];
                                                      NaN for frames with no person
``frame_index``           (n_frames,) int32           index of the video frame, 0-based
``fps``                   () float32                  frame rate of the source video
``frame_size_px``         (2,) int32, optional        (width, height) of the video frames
``world_xyzv``            (n_frames, 33, 4), optional MediaPipe world landmarks in metres
``meta_json``             () str, optional            clip metadata as JSON (gait.pose.extraction)
========================  ==========================  =============================================
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gait.media.files import atomic_write
from gait.media.landmarks import N_LANDMARKS

VIEWS = ("side", "front")
DIRECTIONS = ("left", "right", "front", "back", "unknown")

# Frame size assumed for data that did not record it (the shared data set's videos were 16:9).
DEFAULT_ASPECT_RATIO = 16.0 / 9.0

class KeypointFormatError(ValueError):
    """A keypoint file or data set does not follow the documented format."""


@dataclass(frozen=True)
class KeypointSequence:
    """MediaPipe Pose landmarks of one clip.

    Attributes
    ----------
    xyzv : ndarray, shape (n_frames, 33, 4), float32
        Image landmarks: x and y normalised by frame width and height, z MediaPipe relative
        depth (same scale as x), visibility in [0, 1]. Rows of NaN are frames with no person.
    frame_index : ndarray, shape (n_frames,), int
        Strictly increasing 0-based index of each row's video frame (gaps are dropped frames).
    fps : float
        Frame rate of the source video in frames per second.
    frame_size_px : tuple of int or None
        (width, height) in pixels; ``None`` when unknown (then 16:9 is assumed).
    world_xyzv : ndarray, shape (n_frames, 33, 4), or None
        MediaPipe world landmarks in metres (hip-centred) with visibility, when available.
    clip_id : str
        Name of the clip.
    meta : mapping
        Free-form clip metadata (source file, detector settings, software versions, ...).
    """

    xyzv: np.ndarray
    frame_index: np.ndarray
    fps: float
    frame_size_px: tuple[int, int] | None = None
    world_xyzv: np.ndarray | None = None
    clip_id: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        xyzv = np.asarray(self.xyzv, dtype=np.float32)
        if xyzv.ndim != 3 or xyzv.shape[1:] != (N_LANDMARKS, 4):
            raise KeypointFormatError(
                f"xyzv must have shape (n_frames, {N_LANDMARKS}, 4), got {xyzv.shape}"
            )
        if np.isinf(xyzv).any():
            raise KeypointFormatError("xyzv contains infinite values")
        frame_index = np.asarray(self.frame_index)
        if frame_index.shape != (xyzv.shape[0],):
            raise KeypointFormatError(
                f"frame_index has shape {frame_index.shape}, expected ({xyzv.shape[0]},)"
            )
        if not np.issubdtype(frame_index.dtype, np.integer):
            raise KeypointFormatError("frame_index must hold integers")
        if frame_index.size and (frame_index[0] < 0 or np.any(np.diff(frame_index) <= 0)):
            raise KeypointFormatError("frame_index must be non-negative and strictly increasing")
        fps = float(self.fps)
        if not np.isfinite(fps) or not 1.0 <= fps <= 1000.0:
            raise KeypointFormatError(f"fps must be between 1 and 1000, got {self.fps}")
        # A frame with any NaN coordinate counts as a frame without a person.
        xyzv = xyzv.copy()
        xyzv[np.isnan(xyzv).any(axis=(1, 2))] = np.nan
        vis = xyzv[..., 3]
        if np.nanmin(vis, initial=0.0) < -1e-3 or np.nanmax(vis, initial=1.0) > 1.0 + 1e-3:
            raise KeypointFormatError("visibility must lie in [0, 1]")
        xyzv.setflags(write=False)
        frame_index = frame_index.astype(np.int64)
        frame_index.setflags(write=False)
        object.__setattr__(self, "xyzv", xyzv)
        object.__setattr__(self, "frame_index", frame_index)
        object.__setattr__(self, "fps", fps)
        if self.frame_size_px is not None:
            width, height = (int(v) for v in self.frame_size_px)
            if width <= 0 or height <= 0:
                raise KeypointFormatError(f"frame size must be positive, got {self.frame_size_px}")
            object.__setattr__(self, "frame_size_px", (width, height))
        if self.world_xyzv is not None:
            world = np.asarray(self.world_xyzv, dtype=np.float32)
            if world.shape != xyzv.shape:
                raise KeypointFormatError(
                    f"world_xyzv has shape {world.shape}, expected {xyzv.shape}"
                )
            world.setflags(write=False)
            object.__setattr__(self, "world_xyzv", world)
        object.__setattr__(self, "meta", dict(self.meta))

    @property
    def n_frames(self) -> int:
        """Number of rows (video frames kept, with or without a person)."""
        return int(self.xyzv.shape[0])

    @property
    def time_s(self) -> np.ndarray:
        """Time of each row in seconds since the first video frame, shape (n_frames,)."""
        return self.frame_index / self.fps

    @property
    def detected(self) -> np.ndarray:
        """Boolean mask of rows with a detected person, shape (n_frames,)."""
        return ~np.isnan(self.xyzv[:, 0, 0])

    @property
    def aspect_ratio(self) -> float:
        """Frame width divided by frame height (16:9 when the frame size is unknown)."""
        if self.frame_size_px is None:
            return DEFAULT_ASPECT_RATIO
        return self.frame_size_px[0] / self.frame_size_px[1]

    @property
    def duration_s(self) -> float:
        """Time from the first to one frame past the last row, in seconds."""
        if self.n_frames == 0:
            return 0.0
        return float((self.frame_index[-1] - self.frame_index[0] + 1) / self.fps)


def load_npz(path: str | os.PathLike[str], clip_id: str | None = None) -> KeypointSequence:
    """Read one clip in the keypoint format (see the module docstring).

    Raises
    ------
    KeypointFormatError
        If the file is missing, not an ``.npz`` archive or does not follow the format.
    """
    path = Path(path)
    if not path.is_file():
        raise KeypointFormatError(f"{path}: no such keypoint file")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except Exception as exc:  # numpy lets zip, zlib and parser errors through on damaged files
        raise KeypointFormatError(f"{path}: not a readable .npz keypoint file ({exc})") from exc
    missing = {"xyzv", "frame_index", "fps"} - arrays.keys()
    if missing:
        raise KeypointFormatError(f"{path}: missing arrays {sorted(missing)}")
    meta: dict[str, Any] = {}
    if "meta_json" in arrays:
        try:
            meta = json.loads(str(arrays["meta_json"]))
        except json.JSONDecodeError as exc:
            raise KeypointFormatError(f"{path}: meta_json is not JSON") from exc
        if not isinstance(meta, dict):
            raise KeypointFormatError(f"{path}: meta_json must be a JSON object")
    fps = np.asarray(arrays["fps"]).ravel()
    if fps.size != 1 or not np.issubdtype(fps.dtype, np.number):
        raise KeypointFormatError(
            f"{path}: fps must be one number, got {fps.size} value(s) of type {fps.dtype}"
        )
    frame_size = None
    if "frame_size_px" in arrays:
        size = np.asarray(arrays["frame_size_px"]).ravel()
        if (size.size != 2 or not np.issubdtype(size.dtype, np.number)
                or not np.isfinite(size).all()):
            raise KeypointFormatError(f"{path}: frame_size_px must be two numbers (width, height)")
        frame_size = (int(size[0]), int(size[1]))
    for name in ("xyzv", "world_xyzv"):
        if name in arrays and not np.issubdtype(arrays[name].dtype, np.number):
            raise KeypointFormatError(f"{path}: {name} must hold numbers, not {arrays[name].dtype}")
    try:
        return KeypointSequence(
            xyzv=arrays["xyzv"],
            frame_index=np.asarray(arrays["frame_index"]),
            fps=float(fps[0]),
            frame_size_px=frame_size,
            world_xyzv=arrays.get("world_xyzv"),
            clip_id=clip_id or path.stem,
            meta=meta,
        )
    except (KeypointFormatError, ValueError, TypeError) as exc:
        raise KeypointFormatError(f"{path}: {exc}") from exc


def save_npz(sequence: KeypointSequence, path: str | os.PathLike[str]) -> Path:
    """Write ``sequence`` atomically in the keypoint format; return the path written."""
    arrays: dict[str, np.ndarray] = {
        "xyzv": sequence.xyzv.astype(np.float32),
        "frame_index": sequence.frame_index.astype(np.int32),
        "fps": np.asarray(sequence.fps, dtype=np.float32),
        "meta_json": np.array(json.dumps(dict(sequence.meta), sort_keys=True, default=str)),
    }
    if sequence.frame_size_px is not None:
        arrays["frame_size_px"] = np.asarray(sequence.frame_size_px, dtype=np.int32)
    if sequence.world_xyzv is not None:
        arrays["world_xyzv"] = sequence.world_xyzv.astype(np.float32)
    return atomic_write(path, lambda handle: np.savez_compressed(handle, **arrays))
