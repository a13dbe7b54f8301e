"""Pose extraction: MediaPipe Pose landmarks of the walking person in a video.

The legacy MediaPipe Pose solution (``mp.solutions.pose``, model ``pose_landmark_full``, i.e.
model complexity 1, the only one carried inside the mediapipe 0.10.21 wheel) follows one
person: it detects the most prominent person once and then tracks that person for as long
as it can. In a scene with a bystander it can therefore lock on the wrong person for the
whole clip (seen on the shared ``side_walk_park_two_people.mp4``: it followed a man jumping
on a box in the background while the woman walked across the frame).

Person selection, in three steps:

1. *Find several people.* Up to ``max_people`` trackers run on each frame. Tracker ``k``
   sees the frame with the people found by trackers ``0 .. k-1`` painted over (convex hull
   of their landmarks, widened a little), so it finds someone else (:mod:`gait.pose.people`).
   A tracker that follows nobody only searches every ``person_search_interval_s`` seconds,
   which keeps the cost of a one-person video close to one tracker.
2. *Link* the detections of consecutive frames into person tracks by position and size
   (:mod:`gait.pose.tracks`).
3. *Select* the track that walks: the most distance covered (horizontal travel in body
   heights, plus change of apparent size for walking towards or away from the camera), with
   a small bonus for time on screen. The selected person's landmarks are returned; other
   people's frames are NaN rows. Every track is summarised in ``meta["person_tracks"]``
   (best first, at most 20): ``first_frame``, ``last_frame``, ``n_frames``,
   ``median_height_px``, ``travel_body_heights``, ``depth_log_ratio`` and ``score``;
   ``meta["selected_track"]`` is the index of the returned one in that list (0). Callers
   can warn about crowded scenes (many tracks) or small people (``median_height_px``).

With ``max_people=1`` (plain MediaPipe) the two-people clip comes out wrong: the tracker
stays on the jumping man for 170 frames and only finds the walker as she leaves.

Frames are decoded in a background thread (:func:`gait.media.video.iter_frames`) while the pose
model runs, so decoding costs almost nothing on top of inference.

Extraction metadata (``KeypointSequence.meta``) holds: ``source_file``, ``sha256``, ``fps``,
``frame_size_px``, ``duration_s``, ``rotation_deg``, ``codec``, ``n_frames`` (decoded),
``n_frames_estimated`` (container), ``n_frames_with_person``, ``decode_errors``,
``stopped_early``, ``settings`` (:meth:`PoseSettings.to_dict`), ``software`` (versions),
``extractor_version``, ``extracted_at`` (UTC, ISO 8601), ``extraction_s``,
``person_tracks``, ``n_person_tracks`` and ``selected_track``.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from gait import __version__
from gait.media.keypoints import KeypointSequence
from gait.media.overlay import render_overlay
from gait.media.video import Frame, iter_frames, sha256_file
from gait.pose.people import PeopleTracker
from gait.pose.settings import PoseSettings
from gait.pose.tracks import Detection, select_walker


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


# Bump the number whenever a change alters extracted landmarks; the mediapipe version is
# part of it because another release gives other landmarks. Both are in the cache key.
EXTRACTOR_VERSION = f"gait-pose-2+mediapipe-{_dist_version('mediapipe')}"

ProgressCallback = Callable[[int, int, float], None]


class PoseError(ValueError):
    """Pose extraction gave no usable result (e.g. no person in any frame)."""


def software_versions() -> dict[str, str]:
    """Versions of the software that shapes extracted landmarks."""
    return {
        "gait": __version__,
        "python": platform.python_version(),
        "mediapipe": _dist_version("mediapipe"),
        "opencv": _dist_version("opencv-contrib-python"),
        "av": _dist_version("av"),
        "numpy": _dist_version("numpy"),
    }


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------
class _Rate:
    """Calls ``progress`` at most every ``interval_s`` seconds, and always at the end."""

    def __init__(self, progress: ProgressCallback | None, total: int, interval_s: float = 0.25):
        self.progress = progress
        self.total = max(total, 1)
        self.interval_s = interval_s
        self.restart()

    def restart(self) -> None:
        """Start the clock (once the pose model is loaded, so it does not count)."""
        self.start = time.perf_counter()
        self.last = self.start

    def fps(self, done: int) -> float:
        elapsed = time.perf_counter() - self.start
        return done / elapsed if elapsed > 0 else 0.0

    def tick(self, done: int, final: bool = False, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.perf_counter()
        if final or force or now - self.last >= self.interval_s:
            self.last = now
            self.progress(done, done if final else max(self.total, done), self.fps(done))


def run_pose(
    frames: Iterable[Frame],
    settings: PoseSettings,
    fps: float,
    rate: _Rate | None = None,
) -> tuple[list[int], list[list[Detection]]]:
    """Run the people tracker over frames.

    Returns
    -------
    indices : list of int
        Frame index of every frame.
    detections : list of list of Detection
        The people found in each frame (see :class:`gait.pose.people.PeopleTracker`).
    """
    indices: list[int] = []
    detections: list[list[Detection]] = []
    with PeopleTracker(settings, fps) as tracker:
        if rate is not None:
            rate.restart()
            rate.tick(0, force=True)
        for frame in frames:
            detections.append(tracker.process(frame.rgb, frame.timestamp_s))
            indices.append(frame.frame_index)
            if rate is not None:
                rate.tick(len(indices))
    return indices, detections


def extract_keypoints(
    video_path: str | os.PathLike[str],
    settings: PoseSettings | None = None,
    progress: ProgressCallback | None = None,
    overlay_path: str | os.PathLike[str] | None = None,
    *,
    video_sha256: str | None = None,
) -> KeypointSequence:
    """Extract the walking person's MediaPipe Pose landmarks from every frame of a video.

    Frames are decoded in a background thread while the pose model runs on the previous
    ones; the video is never held in memory. Frames without the selected person are kept as
    NaN rows.

    Parameters
    ----------
    video_path : path-like
        Video file.
    settings : PoseSettings, optional
        Extraction settings (defaults: ``PoseSettings()``).
    progress : callable, optional
        Called about four times a second as ``progress(frames_done, frames_total,
        frames_per_s)``; ``frames_total`` is the container's estimate until the end.
    overlay_path : path-like, optional
        Also write an H.264 MP4 of the video with the selected person's skeleton drawn
        (see :func:`gait.media.overlay.render_overlay`).
    video_sha256 : str, optional
        SHA-256 of the file when the caller already has it (saves reading the file twice).

    Returns
    -------
    KeypointSequence
        ``xyzv`` of shape (n_frames, 33, 4): x, y normalised to the upright frame, z
        MediaPipe depth, visibility; ``world_xyzv`` of shape (n_frames, 33, 4) in metres;
        ``frame_index`` from the decoder; ``fps``; ``frame_size_px`` (upright width,
        height); ``meta`` as listed in the module docstring.

    Raises
    ------
    gait.media.video.VideoError
        If the video cannot be read.
    PoseError
        If no person is detected in any frame.
    """
    settings = settings or PoseSettings()
    started = time.perf_counter()
    extracted_at = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    path = Path(video_path)
    stream = iter_frames(path, max_width_px=settings.max_width_px)
    info = stream.info
    rate = _Rate(progress, info.n_frames)
    with stream:
        indices, detections = run_pose(stream, settings, info.fps, rate)
    rate.tick(len(indices), final=True)
    sha = video_sha256 or sha256_file(path)
    xyzv, world, frame_index, tracks, selected = select_walker(
        indices, detections, info.fps, info.frame_size_px)
    if selected is None:
        raise PoseError(f"{path.name}: no person detected in any of its {len(indices)} frames")
    n_with_person = int((~np.isnan(xyzv[:, 0, 0])).sum())
    meta: dict[str, Any] = {
        "source_file": path.name,
        "sha256": sha,
        "fps": info.fps,
        "frame_size_px": list(info.frame_size_px),
        "duration_s": info.duration_s,
        "rotation_deg": info.rotation_deg,
        "codec": info.codec,
        "n_frames": len(indices),
        "n_frames_estimated": info.n_frames,
        "n_frames_with_person": n_with_person,
        "decode_errors": stream.n_decode_errors,
        "stopped_early": stream.stopped_early,
        "settings": settings.to_dict(),
        "software": software_versions(),
        "extractor_version": EXTRACTOR_VERSION,
        "extracted_at": extracted_at,
        "extraction_s": round(time.perf_counter() - started, 3),
        "person_tracks": tracks,
        "n_person_tracks": len(tracks),
        "selected_track": selected,
    }
    sequence = KeypointSequence(
        xyzv=xyzv,
        frame_index=frame_index,
        fps=info.fps,
        frame_size_px=info.frame_size_px,
        world_xyzv=world,
        clip_id=path.stem,
        meta=meta,
    )
    if overlay_path is not None:
        render_overlay(path, sequence, overlay_path)
    return sequence
