"""Pose extraction: MediaPipe Pose landmarks of the chosen walker of a recording, at any size.

Three steps:

1. *Scan* the recording for people and their walks (:func:`gait.pose.scan.scan_recording`:
   MediaPipe's person detector on a few frames a second, on the whole frame and on tiles, so
   that people a tenth of the frame tall are found; tracks linked by optimal assignment).
2. *Choose* what to analyse (:func:`choose_walk`): a track and a time range given by the user
   (:class:`WalkChoice`, e.g. one walking segment of a long recording), or by default the
   person with the longest steady walk, from their first to their last appearance (with
   :data:`WALK_MARGIN_S` on either side).
3. *Follow* that person at full frame rate, and only in that range, with MediaPipe Pose on a
   square region around them (:class:`gait.pose.roi.RegionFollower`); landmarks are mapped
   back to the whole frame. Frames of the range without the person are NaN rows.

The legacy Pose solution (``mp.solutions.pose``, model ``pose_landmark_full``, i.e. model
complexity 1, the only one inside the mediapipe 0.10.21 wheel) follows the most prominent
person it sees and finds people only when they fill a good part of its image; the region
around the chosen person answers both (on ``side_walk_park_two_people.mp4`` the whole frame
gave it a man jumping on a box in the background instead of the woman walking across).

Frames are decoded in a background thread (:func:`gait.media.video.iter_frames`) while the pose
model runs, so decoding costs almost nothing on top of inference.

Extraction metadata (``KeypointSequence.meta``) holds: ``source_file``, ``sha256``, ``fps``,
``frame_size_px``, ``duration_s``, ``rotation_deg``, ``codec``, ``n_frames`` (decoded in the
range), ``n_frames_estimated`` (container), ``n_frames_with_person``, ``decode_errors``,
``stopped_early``, ``settings`` (:meth:`PoseSettings.to_dict`), ``software`` (versions),
``extractor_version``, ``extracted_at`` (UTC, ISO 8601), ``extraction_s``, ``walk`` (the
track and time range analysed, and whether the user chose them), ``scan`` (every track:
:meth:`gait.pose.scan.RecordingScan.to_dict`), and for the quality card ``person_tracks``
(``track_id``, ``median_height_px``, ``n_frames`` on screen, ``score`` = seconds of steady
walking; a track's height is the diameter of the detector's body circle, 0.73-0.87 of the
landmark height on the shared videos), ``n_person_tracks``, ``selected_track`` (index of the
analysed one) and ``person_height_px`` (the analysed person's median height from the
landmarks: highest face point to lowest foot point, in pixels of the upright frame).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from gait import __version__
from gait.media.keypoints import KeypointSequence
from gait.media.landmarks import L_HIP, N_LANDMARKS, R_HIP
from gait.media.overlay import render_overlay
from gait.media.video import Frame, FrameSelection, iter_frames, sha256_file
from gait.pose.roi import RegionFollower
from gait.pose.scan import RecordingScan, ScannedTrack, ScanSettings, scan_recording
from gait.pose.settings import PoseSettings
from gait.pose.tracking import WalkingSegment


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


# Bump the number whenever a change alters extracted landmarks; the mediapipe version is
# part of it because another release gives other landmarks. Both are in the cache key.
EXTRACTOR_VERSION = f"gait-pose-4+mediapipe-{_dist_version('mediapipe')}"

# The range analysed by default: the chosen person's time on screen, and this much on either
# side (the scan sees a few frames a second: their first and last frames lie in between).
WALK_MARGIN_S = 0.5
# A person seen for NOT_WALKING_AFTER_S or more who travels less than MIN_TRAVEL_BODY_HEIGHTS
# in all, and never walks steadily, does not walk (someone seen for less is analysed, and the
# gait analysis says whether they took a step).
MIN_TRAVEL_BODY_HEIGHTS = 1.0
NOT_WALKING_AFTER_S = 3.0
# The region follows the person's last pose when it is this recent, else the scan's track.
POSE_MEMORY_S = 0.25

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


@dataclass(frozen=True)
class WalkChoice:
    """Who and when to analyse in a recording (every field part of the keypoint cache key).

    Attributes
    ----------
    track_id : int or None
        A person track of the scan (:class:`gait.pose.scan.ScannedTrack`); None: the person
        with the longest steady walk.
    start_s, end_s : float or None
        The time range, seconds from the start of the recording; None: from the chosen
        person's first to their last appearance (with :data:`WALK_MARGIN_S`).
    """

    track_id: int | None = None
    start_s: float | None = None
    end_s: float | None = None

    def __post_init__(self) -> None:
        if self.track_id is not None and self.track_id < 1:
            raise PoseError(f"track numbers start at 1, not {self.track_id}")
        for name in ("start_s", "end_s"):
            value = getattr(self, name)
            if value is not None and not (np.isfinite(value) and value >= 0):
                raise PoseError(f"a time in the recording must be 0 s or later, not {value}")
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise PoseError(f"the range ends ({self.end_s:g} s) before it starts "
                            f"({self.start_s:g} s)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (stable keys)."""
        return asdict(self)


@dataclass(frozen=True)
class ChosenWalk:
    """What :func:`choose_walk` picked: the track and the time range to analyse.

    Attributes
    ----------
    track : ScannedTrack
    start_s, end_s : float
        Seconds from the start of the recording.
    chosen_by_user : bool
        Whether the track or the range came from the user.
    """

    track: ScannedTrack
    start_s: float
    end_s: float
    chosen_by_user: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"track_id", "start_s", "end_s", "chosen_by_user"}``."""
        return {"track_id": self.track.track_id, "start_s": round(self.start_s, 3),
                "end_s": round(self.end_s, 3), "chosen_by_user": self.chosen_by_user}


def walk_segment_choice(scan: RecordingScan, track: ScannedTrack,
                        segment: WalkingSegment) -> WalkChoice:
    """The choice that analyses one walking segment of a track on its own: the segment with
    :data:`WALK_MARGIN_S` on either side (within the recording), to the millisecond."""
    start = max(0.0, segment.start_s - WALK_MARGIN_S)
    end = min(scan.duration_s, segment.end_s + WALK_MARGIN_S)
    return WalkChoice(track.track_id, round(start, 3), round(end, 3))


def choose_walk(scan: RecordingScan, choice: WalkChoice | None = None) -> ChosenWalk:
    """The track and time range to analyse (see :class:`WalkChoice` for the defaults).

    Raises
    ------
    PoseError
        One readable line: nobody in the recording, a track that does not exist, a range
        outside the recording, nobody who walks (when no track was chosen).
    """
    choice = choice or WalkChoice()
    name = scan.source_file
    if choice.start_s is not None and choice.start_s >= scan.duration_s:
        raise PoseError(f"{name} is {scan.duration_s:.1f} s long: the range starting at "
                        f"{choice.start_s:g} s lies outside it")
    if not scan.tracks:
        dark = (f", {scan.n_dark_frames} of them too dark to show anyone"
                if scan.n_dark_frames else "")
        raise PoseError(f"{name}: no person found in any of its {scan.n_frames_scanned} "
                        f"scanned frames ({scan.duration_s:.1f} s{dark})")
    user = choice.track_id is not None or choice.start_s is not None or choice.end_s is not None
    if choice.track_id is not None:
        try:
            track = scan.track(choice.track_id)
        except KeyError as exc:
            raise PoseError(str(exc.args[0])) from exc
    else:
        track = _default_track(scan, choice)
    start = track.track.start_s - WALK_MARGIN_S
    end = track.track.end_s + WALK_MARGIN_S
    start = choice.start_s if choice.start_s is not None else max(0.0, start)
    end = choice.end_s if choice.end_s is not None else min(scan.duration_s, end)
    end = min(end, scan.duration_s)
    if end <= start:
        raise PoseError(f"{name}: the range {start:g} s to {end:g} s holds no frame of the "
                        f"recording ({scan.duration_s:.1f} s long)")
    return ChosenWalk(track, float(start), float(end), user)


def _default_track(scan: RecordingScan, choice: WalkChoice) -> ScannedTrack:
    """The person with the longest steady walk (within the range, when one is given)."""
    lo = choice.start_s if choice.start_s is not None else 0.0
    hi = choice.end_s if choice.end_s is not None else scan.duration_s

    def walking_inside(track: ScannedTrack) -> float:
        return sum(max(0.0, min(w.end_s, hi) - max(w.start_s, lo)) for w in track.walking)

    best = max(scan.tracks, key=lambda t: (walking_inside(t), t.track.distance_body_heights()))
    seen_s = best.track.end_s - best.track.start_s
    if (walking_inside(best) == 0 and seen_s >= NOT_WALKING_AFTER_S
            and best.track.distance_body_heights() < MIN_TRAVEL_BODY_HEIGHTS):
        raise PoseError(
            f"{scan.source_file}: nobody walks there ({len(scan.tracks)} "
            f"{'person' if len(scan.tracks) == 1 else 'people'} found, none moving "
            f"{MIN_TRAVEL_BODY_HEIGHTS:g} body height or more in {seen_s:.0f} s); choose a "
            "track to analyse anyway")
    return best


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


def follow_person(
    frames: Iterable[Frame],
    track: ScannedTrack,
    settings: PoseSettings,
    frame_scale: float = 1.0,
    rate: _Rate | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The landmarks of one tracked person in every frame given.

    Parameters
    ----------
    frames : iterable of Frame
        Frames of the range, possibly downscaled from the recording by ``frame_scale``.
    track : ScannedTrack
        Where the person is, at the scanned frames (recording pixels).
    settings : PoseSettings
    frame_scale : float
        Width of the frames given over the recording's width.
    rate : optional
        Progress reporting.

    Returns
    -------
    xyzv, world_xyzv : ndarray, shape (n_frames, 33, 4)
        Normalised to the whole frame (NaN rows where the person was not found), and in
        metres.
    frame_index : ndarray, shape (n_frames,)
    """
    rows_xyzv, rows_world, indices = [], [], []
    empty = np.full((N_LANDMARKS, 4), np.nan, dtype=np.float32)
    last_hip: np.ndarray | None = None
    last_time = -np.inf
    with RegionFollower(settings) as follower:
        if rate is not None:
            rate.restart()
            rate.tick(0, force=True)
        for frame in frames:
            height, width = frame.rgb.shape[:2]
            expected, radius = track.track.at(frame.timestamp_s)
            expected, radius = expected * frame_scale, radius * frame_scale
            recent = last_hip is not None and frame.timestamp_s - last_time <= POSE_MEMORY_S
            centre = last_hip if recent and last_hip is not None else expected
            found = follower.follow(frame.rgb, frame.timestamp_s, centre, radius,
                                    expected_px=expected)
            if found is None:
                rows_xyzv.append(empty)
                rows_world.append(empty)
            else:
                rows_xyzv.append(found[0])
                rows_world.append(found[1] if found[1] is not None else empty)
                last_hip = found[0][[L_HIP, R_HIP], :2].mean(axis=0) * np.array([width, height])
                last_time = frame.timestamp_s
            indices.append(frame.frame_index)
            if rate is not None:
                rate.tick(len(indices))
    if not indices:
        shape = (0, N_LANDMARKS, 4)
        return np.zeros(shape, np.float32), np.zeros(shape, np.float32), np.zeros(0, np.int64)
    return np.stack(rows_xyzv), np.stack(rows_world), np.asarray(indices, dtype=np.int64)


def landmark_height_px(xyzv: np.ndarray, frame_height_px: int) -> float:
    """Median height of a person from their landmarks, in pixels.

    Parameters
    ----------
    xyzv : ndarray, shape (n_frames, 33, 4)
        Landmarks normalised to the frame (NaN rows where the person is missing).
    frame_height_px : int
        Height of the frame the landmarks are normalised to.

    Returns
    -------
    float
        Median over the frames with the person of the vertical extent from the highest face
        landmark (0-10) to the lowest foot landmark (27-32); NaN without such a frame.
    """
    found = ~np.isnan(xyzv[:, 0, 1])
    if not found.any():
        return float("nan")
    top = xyzv[found, :11, 1].min(axis=1)
    bottom = xyzv[found, 27:, 1].max(axis=1)
    return round(float(np.median(bottom - top)) * frame_height_px, 1)


def _quality_tracks(scan: RecordingScan, fps: float) -> list[dict[str, Any]]:
    """Every track in the form the quality card reads (:func:`gait.walk.quality.
    tracking_warnings`)."""
    return [{
        "track_id": t.track_id,
        "median_height_px": round(t.track.median_height_px, 1),
        "n_frames": round((t.track.end_s - t.track.start_s) * fps) + 1,
        "score": round(t.walking_s, 3),
    } for t in scan.tracks]


def extract_keypoints(
    video_path: str | os.PathLike[str],
    settings: PoseSettings | None = None,
    progress: ProgressCallback | None = None,
    overlay_path: str | os.PathLike[str] | None = None,
    *,
    video_sha256: str | None = None,
    choice: WalkChoice | None = None,
    scan: RecordingScan | None = None,
) -> KeypointSequence:
    """Extract the chosen walker's MediaPipe Pose landmarks from a recording.

    See the module docstring for the steps. Frames are decoded in a background thread while
    the pose model runs on the previous ones; the recording is never held in memory.

    Parameters
    ----------
    video_path : path-like
        Video file.
    settings : PoseSettings, optional
        Extraction settings (defaults: ``PoseSettings()``).
    progress : callable, optional
        Called about four times a second as ``progress(frames_done, frames_total,
        frames_per_s)`` while the pose model runs on the range.
    overlay_path : path-like, optional
        Also write an H.264 MP4 of the range with the person's skeleton drawn (see
        :func:`gait.media.overlay.render_overlay`).
    video_sha256 : str, optional
        SHA-256 of the file when the caller already has it (saves reading the file twice).
    choice : WalkChoice, optional
        Who and when (default: the longest steady walk).
    scan : RecordingScan, optional
        The recording's scan when the caller already has it (else it is scanned here).

    Returns
    -------
    KeypointSequence
        ``xyzv`` of shape (n_frames, 33, 4): x, y normalised to the upright frame, z
        MediaPipe depth, visibility; ``world_xyzv`` of shape (n_frames, 33, 4) in metres;
        ``frame_index`` from the decoder (frames of the range); ``fps``; ``frame_size_px``
        (upright width, height); ``meta`` as listed in the module docstring.

    Raises
    ------
    gait.media.video.VideoError
        If the video cannot be read.
    PoseError
        If nobody is found, the choice does not fit the recording, or the person chosen is
        never found by the pose model.
    """
    settings = settings or PoseSettings()
    started = time.perf_counter()
    extracted_at = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    path = Path(video_path)
    if scan is None:
        scan = scan_recording(path, ScanSettings(max_width_px=settings.max_width_px or 1920))
    walk = choose_walk(scan, choice)
    stream = iter_frames(path, max_width_px=settings.max_width_px,
                         frames=FrameSelection(walk.start_s, walk.end_s))
    info = stream.info
    rate = _Rate(progress, round((walk.end_s - walk.start_s) * info.fps))
    with stream:
        xyzv, world, frame_index = follow_person(stream, walk.track, settings,
                                                 stream.size_px[0] / info.width_px, rate)
    rate.tick(len(frame_index), final=True)
    n_with_person = int((~np.isnan(xyzv[:, 0, 0])).sum())
    if n_with_person == 0:
        raise PoseError(f"{path.name}: the pose model found person {walk.track.track_id} in "
                        f"none of the {len(frame_index)} frames from {walk.start_s:.1f} s to "
                        f"{walk.end_s:.1f} s")
    tracks = scan.tracks
    meta: dict[str, Any] = {
        "source_file": path.name,
        "sha256": video_sha256 or sha256_file(path),
        "fps": info.fps,
        "frame_size_px": list(info.frame_size_px),
        "duration_s": info.duration_s,
        "rotation_deg": info.rotation_deg,
        "codec": info.codec,
        "n_frames": len(frame_index),
        "n_frames_estimated": info.n_frames,
        "n_frames_with_person": n_with_person,
        "decode_errors": max(stream.n_decode_errors, scan.n_decode_errors),
        "stopped_early": stream.stopped_early or scan.stopped_early,
        "settings": settings.to_dict(),
        "software": software_versions(),
        "extractor_version": EXTRACTOR_VERSION,
        "extracted_at": extracted_at,
        "extraction_s": round(time.perf_counter() - started, 3),
        "walk": walk.to_dict(),
        "choice": (choice or WalkChoice()).to_dict(),
        "scan": scan.to_dict(),
        "person_tracks": _quality_tracks(scan, info.fps),
        "n_person_tracks": len(tracks),
        "selected_track": [t.track_id for t in tracks].index(walk.track.track_id),
        "person_height_px": landmark_height_px(xyzv, info.frame_size_px[1]),
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
