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
   of their landmarks, widened by :data:`MASK_MARGIN`), so it finds someone else. A tracker
   that follows nobody only searches every ``person_search_interval_s`` seconds, which keeps
   the cost of a one-person video close to one tracker.
2. *Link* the detections of consecutive frames into person tracks by position and size.
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

Frames are decoded in a background thread (:func:`gait.video.iter_frames`) while the pose
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
import importlib.util
import itertools
import os
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from gait.keypoints import KeypointSequence
from gait.landmarks import (
    L_ANKLE,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    N_LANDMARKS,
    NOSE,
    R_ANKLE,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
)
from gait.overlay import render_overlay
from gait.video import Frame, VideoInfo, iter_frames, sha256_file

__all__ = [
    "EXTRACTOR_VERSION",
    "PoseError",
    "PoseSettings",
    "ProgressCallback",
    "extract_keypoints",
    "render_overlay",
    "software_versions",
]


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


# Bump the number whenever a change alters extracted landmarks; the mediapipe version is
# part of it because another release gives other landmarks. Both are in the cache key.
EXTRACTOR_VERSION = f"gait-pose-2+mediapipe-{_dist_version('mediapipe')}"

# Model file of each model complexity inside the mediapipe package. mediapipe *downloads* a
# missing one at run time, which this product must never do: such settings are refused.
MODEL_FILES = {
    0: "modules/pose_landmark/pose_landmark_lite.tflite",
    1: "modules/pose_landmark/pose_landmark_full.tflite",
    2: "modules/pose_landmark/pose_landmark_heavy.tflite",
}

# A person found by one tracker is hidden from the next behind the convex hull of their
# landmarks, widened on every side by this fraction of their body height.
MASK_MARGIN = 0.12
MASK_GREY = 114

# Track linking: a detection continues a track if its hip centre lies within
# LINK_GATE_BODY + LINK_GATE_BODY_PER_S * gap_s body heights of the track's last position
# and its body height differs by less than a factor of exp(LINK_MAX_LOG_SCALE).
LINK_GATE_BODY = 0.6
LINK_GATE_BODY_PER_S = 2.0
LINK_MAX_GAP_S = 1.0
LINK_MAX_LOG_SCALE = 0.5
# Selection score = travel in body heights + DEPTH_WEIGHT * |ln(size change)|
#                   + DURATION_WEIGHT_PER_S * seconds on screen.
DEPTH_WEIGHT = 2.0
DURATION_WEIGHT_PER_S = 0.1

ProgressCallback = Callable[[int, int, float], None]


class PoseError(ValueError):
    """Pose extraction gave no usable result (e.g. no person in any frame)."""


def mediapipe_model_available(model_complexity: int) -> bool:
    """Whether the landmark model of ``model_complexity`` ships in the installed mediapipe."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return False
    relative = MODEL_FILES.get(model_complexity)
    if relative is None:
        return False
    return any((Path(root) / relative).is_file() for root in spec.submodule_search_locations)


@dataclass(frozen=True)
class PoseSettings:
    """How landmarks are extracted; every field is part of the cache key.

    Attributes
    ----------
    model_complexity : int
        MediaPipe Pose landmark model: 0 lite, 1 full, 2 heavy. Only models inside the
        installed mediapipe wheel are accepted (0.10.21 carries only 1), because mediapipe
        would otherwise download the model at run time.
    min_detection_confidence : float
        Minimum person-detector score in [0, 1] to start tracking someone.
    min_tracking_confidence : float
        Minimum landmark-model confidence in [0, 1] to keep tracking (else re-detect).
    smooth_landmarks : bool
        MediaPipe's temporal landmark filter (fed with the real frame times).
    max_width_px : int or None
        Frames wider than this are downscaled before pose inference (landmarks stay
        normalised to the full frame). The default 1920 leaves 1080p untouched and brings 4K
        down to 1080p; on the 1080p test clip 1280 px moved landmarks by 0.6 px median and
        did not make inference faster.
    max_people : int
        How many people are tracked at once to find the one who walks (see the module
        docstring); 1 is plain MediaPipe behaviour.
    person_search_interval_s : float
        How often, in seconds, an idle extra tracker looks for another person.
    """

    model_complexity: int = 1
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    smooth_landmarks: bool = True
    max_width_px: int | None = 1920
    max_people: int = 2
    person_search_interval_s: float = 0.2

    def __post_init__(self) -> None:
        if self.model_complexity not in MODEL_FILES:
            raise ValueError(f"model_complexity must be 0, 1 or 2, got {self.model_complexity}")
        if not mediapipe_model_available(self.model_complexity):
            raise ValueError(
                f"model_complexity {self.model_complexity} needs "
                f"{Path(MODEL_FILES[self.model_complexity]).name}, which is not in the "
                "installed mediapipe package (it would be downloaded); use 1"
            )
        for name in ("min_detection_confidence", "min_tracking_confidence"):
            value = float(getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
        if self.max_width_px is not None and self.max_width_px < 64:
            raise ValueError(f"max_width_px must be at least 64, got {self.max_width_px}")
        if not 1 <= self.max_people <= 8:
            raise ValueError(f"max_people must be between 1 and 8, got {self.max_people}")
        if not 0.0 <= self.person_search_interval_s <= 10.0:
            raise ValueError(
                "person_search_interval_s must lie in [0, 10] s, "
                f"got {self.person_search_interval_s}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Settings as a JSON-ready dictionary (stable keys, plain values)."""
        return asdict(self)


def _gait_version() -> str:
    try:
        return metadata.version("gait-id")
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        import tomllib

        with pyproject.open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, ValueError):
        return "unknown"


def software_versions() -> dict[str, str]:
    """Versions of the software that shapes extracted landmarks."""
    return {
        "gait": _gait_version(),
        "python": platform.python_version(),
        "mediapipe": _dist_version("mediapipe"),
        "opencv": _dist_version("opencv-contrib-python"),
        "av": _dist_version("av"),
        "numpy": _dist_version("numpy"),
    }


# --------------------------------------------------------------------------------------------
# Running MediaPipe
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Detection:
    """One person found in one frame by tracker ``slot``; arrays of shape (33, 4)."""

    slot: int
    xyzv: np.ndarray
    world_xyzv: np.ndarray | None


def _landmarks_array(landmark_list: Any) -> np.ndarray:
    """(33, 4) float32 array of x, y, z, visibility from a MediaPipe landmark list."""
    return np.array(
        [(lm.x, lm.y, lm.z, lm.visibility) for lm in landmark_list.landmark], dtype=np.float32
    ).reshape(N_LANDMARKS, 4)


def _mask_person(rgb: np.ndarray, xyzv: np.ndarray) -> None:
    """Paint over (in place) the convex hull of a person's landmarks, widened by a margin."""
    import cv2

    height, width = rgb.shape[:2]
    scaled = xyzv[:, :2].astype(np.float64) * np.array([width, height], dtype=np.float64)
    points = np.asarray(np.clip(scaled, -2 * width, 3 * width), dtype=np.int32)
    hull = cv2.convexHull(points)
    margin = max(2, int(MASK_MARGIN * _body_height_px(xyzv, (width, height))))
    grey = (MASK_GREY, MASK_GREY, MASK_GREY)
    cv2.fillConvexPoly(rgb, hull, grey)
    cv2.polylines(rgb, [hull], isClosed=True, color=grey, thickness=2 * margin)


class _PeopleTracker:
    """Up to ``max_people`` MediaPipe Pose trackers on the same frames (see module doc)."""

    def __init__(self, settings: PoseSettings, fps: float) -> None:
        import mediapipe as mp

        self.settings = settings
        self._poses = [
            mp.solutions.pose.Pose(
                static_image_mode=False,
                model_complexity=settings.model_complexity,
                smooth_landmarks=settings.smooth_landmarks,
                enable_segmentation=False,
                min_detection_confidence=settings.min_detection_confidence,
                min_tracking_confidence=settings.min_tracking_confidence,
            )
            for _ in range(settings.max_people)
        ]
        self._active = [False] * settings.max_people
        self._last_call_us = [-(10**15)] * settings.max_people
        self._search_interval_us = int(settings.person_search_interval_s * 1e6)

    def _run(self, slot: int, rgb: np.ndarray, time_us: int) -> Any:
        pose = self._poses[slot]
        # MediaPipe stamps frames as if the video were 30 fps; give it the real frame times
        # instead, so that its landmark filter works in real time at any frame rate.
        if hasattr(pose, "_simulated_timestamp"):
            pose._simulated_timestamp = time_us - 33333
        self._last_call_us[slot] = time_us
        return pose.process(rgb)

    def process(self, rgb: np.ndarray, timestamp_s: float) -> list[_Detection]:
        """People found in one RGB frame (H, W, 3) uint8 shown at ``timestamp_s`` seconds."""
        found: list[_Detection] = []
        image = rgb
        for slot in range(len(self._poses)):
            time_us = max(round(timestamp_s * 1e6), self._last_call_us[slot] + 1)
            # An extra tracker that follows nobody searches only now and then, and only
            # when the trackers before it found someone (else it would see the same frame).
            idle = slot > 0 and not self._active[slot]
            if idle and (
                not found or time_us - self._last_call_us[slot] < self._search_interval_us
            ):
                continue
            result = self._run(slot, image, time_us)
            if result.pose_landmarks is None:
                self._active[slot] = False
                continue
            self._active[slot] = True
            xyzv = _landmarks_array(result.pose_landmarks)
            world = (
                _landmarks_array(result.pose_world_landmarks)
                if result.pose_world_landmarks is not None
                else None
            )
            found.append(_Detection(slot, xyzv, world))
            if slot + 1 < len(self._poses):
                if image is rgb:
                    image = rgb.copy()
                _mask_person(image, xyzv)
        return found

    def close(self) -> None:
        for pose in self._poses:
            pose.close()

    def __enter__(self) -> _PeopleTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# Linking detections into person tracks and selecting the walker
# --------------------------------------------------------------------------------------------
def _midpoint(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return (xy[a] + xy[b]) / 2.0


def _body_height_px(xyzv: np.ndarray, frame_size_px: tuple[int, int]) -> float:
    """Rough standing height in pixels: nose-shoulders-hips-knees-ankles chain length."""
    xy = xyzv[:, :2].astype(np.float64) * np.asarray(frame_size_px, dtype=np.float64)
    chain = [
        xy[NOSE],
        _midpoint(xy, L_SHOULDER, R_SHOULDER),
        _midpoint(xy, L_HIP, R_HIP),
        _midpoint(xy, L_KNEE, R_KNEE),
        _midpoint(xy, L_ANKLE, R_ANKLE),
    ]
    length = sum(float(np.hypot(*(q - p))) for p, q in itertools.pairwise(chain))
    return max(length * 1.1, 1.0)  # the chain misses the top of the head and the heels


def _hip_centre_px(xyzv: np.ndarray, frame_size_px: tuple[int, int]) -> np.ndarray:
    xy = xyzv[:, :2].astype(np.float64) * np.asarray(frame_size_px, dtype=np.float64)
    return _midpoint(xy, L_HIP, R_HIP)


@dataclass
class _Track:
    rows: list[int] = field(default_factory=list)
    detections: list[_Detection] = field(default_factory=list)
    centres_px: list[np.ndarray] = field(default_factory=list)
    heights_px: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class _TrackSummary:
    first_frame: int
    last_frame: int
    n_frames: int
    median_height_px: float
    travel_body_heights: float
    depth_log_ratio: float
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_frame": self.first_frame,
            "last_frame": self.last_frame,
            "n_frames": self.n_frames,
            "median_height_px": round(self.median_height_px, 1),
            "travel_body_heights": round(self.travel_body_heights, 3),
            "depth_log_ratio": round(self.depth_log_ratio, 3),
            "score": round(self.score, 3),
        }


def _link_tracks(
    detections: list[list[_Detection]],
    frame_index: np.ndarray,
    fps: float,
    frame_size_px: tuple[int, int],
) -> list[_Track]:
    """Greedily link per-frame detections into tracks by hip position and body height."""
    tracks: list[_Track] = []
    for row, found in enumerate(detections):
        items: list[tuple[_Detection, np.ndarray, float]] = []
        for det in found:
            centre = _hip_centre_px(det.xyzv, frame_size_px)
            height = _body_height_px(det.xyzv, frame_size_px)
            # Two trackers on the same person (possible when a mask misses): keep the first.
            if any(np.hypot(*(centre - c)) < 0.3 * max(height, h) for _, c, h in items):
                continue
            items.append((det, centre, height))
        pairs: list[tuple[float, int, int]] = []
        for t_i, track in enumerate(tracks):
            gap_s = (frame_index[row] - frame_index[track.rows[-1]]) / fps
            if gap_s > LINK_MAX_GAP_S:
                continue
            gate = LINK_GATE_BODY + LINK_GATE_BODY_PER_S * gap_s
            last_c, last_h = track.centres_px[-1], track.heights_px[-1]
            for d_i, (_, centre, height) in enumerate(items):
                if abs(np.log(height / last_h)) > LINK_MAX_LOG_SCALE:
                    continue
                cost = float(np.hypot(*(centre - last_c))) / last_h
                if cost <= gate:
                    pairs.append((cost, t_i, d_i))
        used_tracks: set[int] = set()
        used_dets: set[int] = set()
        for _, t_i, d_i in sorted(pairs):
            if t_i in used_tracks or d_i in used_dets:
                continue
            used_tracks.add(t_i)
            used_dets.add(d_i)
            _append(tracks[t_i], row, items[d_i])
        for d_i, item in enumerate(items):
            if d_i not in used_dets:
                track = _Track()
                _append(track, row, item)
                tracks.append(track)
    return tracks


def _append(track: _Track, row: int, item: tuple[_Detection, np.ndarray, float]) -> None:
    track.rows.append(row)
    track.detections.append(item[0])
    track.centres_px.append(item[1])
    track.heights_px.append(item[2])


def _summarise(track: _Track, frame_index: np.ndarray, fps: float) -> _TrackSummary:
    """Walking score of a track (see the module docstring)."""
    x_px = np.array([c[0] for c in track.centres_px])
    heights = np.array(track.heights_px)
    body_px = float(np.median(heights))
    travel = float(np.percentile(x_px, 95) - np.percentile(x_px, 5)) / body_px
    n = len(track.rows)
    depth = 0.0
    if n >= 10:
        quarter = max(1, n // 4)
        depth = float(np.log(np.median(heights[-quarter:]) / np.median(heights[:quarter])))
    duration_s = n / fps
    score = travel + DEPTH_WEIGHT * abs(depth) + DURATION_WEIGHT_PER_S * duration_s
    return _TrackSummary(
        first_frame=int(frame_index[track.rows[0]]),
        last_frame=int(frame_index[track.rows[-1]]),
        n_frames=n,
        median_height_px=body_px,
        travel_body_heights=travel,
        depth_log_ratio=depth,
        score=score,
    )


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


def _run_pose(
    frames: Iterable[Frame],
    settings: PoseSettings,
    fps: float,
    rate: _Rate | None = None,
) -> tuple[list[int], list[list[_Detection]]]:
    """Run the people tracker over frames; return frame indices and detections per frame."""
    indices: list[int] = []
    detections: list[list[_Detection]] = []
    with _PeopleTracker(settings, fps) as tracker:
        if rate is not None:
            rate.restart()
            rate.tick(0, force=True)
        for frame in frames:
            detections.append(tracker.process(frame.rgb, frame.timestamp_s))
            indices.append(frame.frame_index)
            if rate is not None:
                rate.tick(len(indices))
    return indices, detections


def _assemble(
    indices: list[int],
    detections: list[list[_Detection]],
    info: VideoInfo,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]], int | None]:
    """Select the walking person; return xyzv, world_xyzv, frame_index, tracks, selected."""
    frame_index = np.asarray(indices, dtype=np.int64)
    n = len(indices)
    xyzv = np.full((n, N_LANDMARKS, 4), np.nan, dtype=np.float32)
    world = np.full((n, N_LANDMARKS, 4), np.nan, dtype=np.float32)
    tracks = _link_tracks(detections, frame_index, info.fps, info.frame_size_px)
    if not tracks:
        return xyzv, world, frame_index, [], None
    summaries = [_summarise(t, frame_index, info.fps) for t in tracks]
    order = sorted(range(len(tracks)), key=lambda i: -summaries[i].score)
    best = tracks[order[0]]
    for row, det in zip(best.rows, best.detections, strict=True):
        xyzv[row] = det.xyzv
        if det.world_xyzv is not None:
            world[row] = det.world_xyzv
    described = [summaries[i].to_dict() for i in order[:20]]
    return xyzv, world, frame_index, described, 0


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
        (see :func:`gait.overlay.render_overlay`).
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
    gait.video.VideoError
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
        indices, detections = _run_pose(stream, settings, info.fps, rate)
    rate.tick(len(indices), final=True)
    sha = video_sha256 or sha256_file(path)
    xyzv, world, frame_index, tracks, selected = _assemble(indices, detections, info)
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
