"""Scanning a recording of any length for the people in it and their walks, in one pass.

The recording is decoded once, streaming (memory stays flat with its length); only a few
frames a second (:attr:`ScanSettings.scan_fps`) are converted and given to the person detector
(:mod:`gait.pose.detector`): the whole frame and a square window around where each person
followed is expected, and every :attr:`ScanSettings.search_interval_s` seconds overlapping tiles
at three sizes (:func:`tile_sides_px`), which find people too small for the whole frame. Only
tiles where something moved since the last search, other than the people already followed, are
searched (a person standing still the whole time is not a walk to find; a moving camera makes
every tile move). The detections are linked into person tracks (:mod:`gait.pose.tracking`);
each track gets a thumbnail, its median height, the distance it walked and its walking
segments. The pose model then runs at full rate
only on the track and time range chosen (:func:`gait.pose.extraction.extract_keypoints`)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gait.media.video import FrameSelection, iter_frames, probe_video
from gait.pose.detector import (
    NMS_IOU,
    PersonBoxes,
    PersonDetector,
    non_max_suppression,
    overlap_matrices,
    square_tiles,
    window_around,
)
from gait.pose.tracking import PersonTrack, PersonTracker, WalkingSegment

# Bump whenever a change alters what a scan finds (it is part of the scan cache key).
SCAN_VERSION = "gait-scan-2"
THUMBNAIL_PX = 160
# Frames scanned at the least, however short the clip (up to every frame).
MIN_SCANNED_FRAMES = 20
# Windows around an expected person: this many body radii on a side (the body circle's
# diameter is 2; the rest is room to move between two scanned frames).
FOLLOW_WINDOW_RADII = 4.0
# Motion between searches: frames compared at this width, a pixel "moved" when its grey level
# changed by more than MOTION_GREY_LEVELS, a tile moved when more than MOTION_SHARE of it did.
MOTION_WIDTH_PX = 320
MOTION_GREY_LEVELS = 18
MOTION_SHARE = 0.002
# Motion within this many body radii of a followed person is theirs: their body circle (1) and
# where they were at the previous search, a second earlier (a walker covers about 1.5 radii a
# second), with room to spare.
FOLLOWED_MOTION_RADII = 3.0
# A new person is confirmed when a window sized to them finds their mid-hip point within this
# many body heights, and a size within this factor.
CONFIRM_OFFSET_BODY_HEIGHTS = 0.25
CONFIRM_SIZE_RATIO = 1.4
# A frame whose brightest pixel (on a sparse grid) is darker than this shows nobody.
DARK_GREY_LEVEL = 16

ScanProgress = Callable[[float, float], None]
"""``progress(seconds_scanned, seconds_total)``."""


@dataclass(frozen=True)
class ScanSettings:
    """How a recording is scanned for people and walks.

    Attributes
    ----------
    scan_fps : float
        Frames per second given to the detector (the others are decoded only).
    search_interval_s : float
        How often the whole frame is searched in tiles for people too small to be found in
        it whole.
    min_score : float
        Lowest detector confidence kept, in (0, 1).
    max_width_px : int
        Frames wider than this are downscaled before detection.
    """

    scan_fps: float = 5.0
    search_interval_s: float = 1.0
    min_score: float = 0.5
    max_width_px: int = 1920

    def __post_init__(self) -> None:
        if not 0.5 <= self.scan_fps <= 60:
            raise ValueError(f"scan_fps must lie in [0.5, 60], got {self.scan_fps}")
        if not 0 < self.search_interval_s <= 60:
            raise ValueError("search_interval_s must lie in (0, 60] s")
        if self.max_width_px < 64:
            raise ValueError("max_width_px must be at least 64")


def tile_sides_px(width_px: int, height_px: int) -> tuple[int, ...]:
    """Tile sizes that search a frame: its shorter side, a half and a third of it.

    The detector finds a person who is about a fifth to a half of the square it sees (measured
    on the shared 1080p walk shrunk into larger frames: 19 of 19 frames found down to a tenth
    of the frame height with tiles a third of the shorter side, where that person is 30 % of
    a tile; 0 of 19 on the whole frame below a fifth of its height).
    """
    short = min(width_px, height_px)
    return tuple(s for s in (short, short // 2, short // 3) if s >= 96)


class _Motion:
    """Where the frame changed since the last search (a low-resolution grey difference)."""

    def __init__(self, width_px: int, height_px: int) -> None:
        self.scale = min(1.0, MOTION_WIDTH_PX / width_px)
        self.size = (max(1, round(width_px * self.scale)), max(1, round(height_px * self.scale)))
        self.previous: np.ndarray | None = None

    def moved(self, rgb: np.ndarray) -> np.ndarray | None:
        """A mask of what moved since the last call (None the first time: search everywhere)."""
        import cv2

        grey = cv2.cvtColor(cv2.resize(rgb, self.size, interpolation=cv2.INTER_AREA),
                            cv2.COLOR_RGB2GRAY)
        grey = cv2.GaussianBlur(grey, (5, 5), 0)
        previous, self.previous = self.previous, grey
        if previous is None:
            return None
        return cv2.absdiff(grey, previous) > MOTION_GREY_LEVELS

    def ignore(self, mask: np.ndarray | None, people: list[tuple[np.ndarray, float]]) -> None:
        """Clear the motion of people already followed (mid-hip, body radius in pixels): a
        tile that moved only because of them has nobody new to show."""
        if mask is None:
            return
        for hip, radius in people:
            reach = FOLLOWED_MOTION_RADII * radius
            x0, y0 = (max(0, round((v - reach) * self.scale)) for v in hip)
            x1, y1 = (max(0, round((v + reach) * self.scale)) for v in hip)
            mask[y0:y1, x0:x1] = False

    def tile_moved(self, mask: np.ndarray | None, tile: tuple[int, int, int]) -> bool:
        """Whether a tile (x0, y0, side) of the full frame holds motion."""
        if mask is None:
            return True
        x0, y0, side = (round(v * self.scale) for v in tile)
        cut = mask[y0:y0 + max(1, side), x0:x0 + max(1, side)]
        return bool(cut.size) and float(cut.mean()) > MOTION_SHARE


@dataclass(frozen=True)
class ScannedTrack:
    """A person found in a recording, what they did and what they look like.

    Attributes
    ----------
    track : PersonTrack
        The samples at the scanned frames.
    walking : tuple of WalkingSegment
        Where they walk steadily, in time order.
    thumbnail_jpeg : bytes
        A JPEG of the person (at their clearest scanned frame), about
        :data:`THUMBNAIL_PX` square.
    """

    track: PersonTrack
    walking: tuple[WalkingSegment, ...]
    thumbnail_jpeg: bytes = field(repr=False)

    @property
    def track_id(self) -> int:
        """Number of the track in its recording (from 1)."""
        return self.track.track_id

    @property
    def walking_s(self) -> float:
        """Seconds of steady walking."""
        return float(sum(w.duration_s for w in self.walking))

    def longest_walk(self) -> WalkingSegment | None:
        """The longest walking segment, or None when the person never walks."""
        return max(self.walking, key=lambda w: w.duration_s, default=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (``track_id, start_s, end_s, median_height_px,
        distance_body_heights, walking``)."""
        return {
            "track_id": self.track_id,
            "start_s": round(self.track.start_s, 3),
            "end_s": round(self.track.end_s, 3),
            "median_height_px": round(self.track.median_height_px, 1),
            "distance_body_heights": round(self.track.distance_body_heights(), 2),
            "walking": [w.to_dict() for w in self.walking],
        }


@dataclass(frozen=True)
class RecordingScan:
    """The people of a recording and their walks.

    Attributes
    ----------
    source_file : str
        File name of the recording.
    fps : float
        Frame rate of the recording.
    duration_s : float
        Length of the recording, seconds (the container's, or one frame past the last frame
        scanned when that is later).
    frame_size_px : (int, int)
        Upright width and height of the frames, pixels.
    n_frames_scanned : int
        Frames given to the detector.
    n_tiles_searched : int
        Tiles given to the detector in the searches for small people.
    n_dark_frames : int
        Scanned frames too dark to show anyone (not given to the detector).
    tracks : tuple of ScannedTrack
        In order of appearance.
    settings : ScanSettings
    stopped_early : bool
        Whether the file ended clearly before its announced duration (damaged or cut off).
    n_decode_errors : int
        Packets that could not be decoded and were skipped.
    seconds : float
        Wall time of the scan.
    """

    source_file: str
    fps: float
    duration_s: float
    frame_size_px: tuple[int, int]
    n_frames_scanned: int
    n_tiles_searched: int
    n_dark_frames: int
    tracks: tuple[ScannedTrack, ...]
    settings: ScanSettings
    stopped_early: bool = False
    n_decode_errors: int = 0
    seconds: float = 0.0

    def track(self, track_id: int) -> ScannedTrack:
        """The track with this number (``KeyError`` with a readable message if none)."""
        for scanned in self.tracks:
            if scanned.track_id == track_id:
                return scanned
        known = ", ".join(str(t.track_id) for t in self.tracks) or "none"
        raise KeyError(f"{self.source_file} has no person track {track_id} (tracks: {known})")

    def walks(self) -> list[tuple[ScannedTrack, WalkingSegment]]:
        """Every walking segment of every track, in time order."""
        pairs = [(t, w) for t in self.tracks for w in t.walking]
        return sorted(pairs, key=lambda pair: (pair[1].start_s, pair[0].track_id))

    def longest_walk(self) -> tuple[ScannedTrack, WalkingSegment] | None:
        """The track with the longest steady walk, and that walk (None if nobody walks)."""
        return max(self.walks(), key=lambda pair: pair[1].duration_s, default=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``source_file, fps, duration_s, frame_size_px, n_frames_scanned,
        n_tiles_searched, n_dark_frames, stopped_early, n_decode_errors, seconds, tracks``
        (see :meth:`ScannedTrack.to_dict`)."""
        return {
            "source_file": self.source_file,
            "fps": self.fps,
            "duration_s": round(self.duration_s, 3),
            "frame_size_px": list(self.frame_size_px),
            "n_frames_scanned": self.n_frames_scanned,
            "n_tiles_searched": self.n_tiles_searched,
            "n_dark_frames": self.n_dark_frames,
            "stopped_early": self.stopped_early,
            "n_decode_errors": self.n_decode_errors,
            "seconds": round(self.seconds, 3),
            "tracks": [t.to_dict() for t in self.tracks],
        }


def _thumbnail(rgb: np.ndarray, hip_px: np.ndarray, radius_px: float) -> np.ndarray:
    """A square crop of the person, :data:`THUMBNAIL_PX` on a side (RGB uint8)."""
    import cv2

    height, width = rgb.shape[:2]
    half = max(8.0, 1.2 * radius_px)
    x0, y0 = round(float(hip_px[0]) - half), round(float(hip_px[1]) - half)
    side = round(2 * half)
    canvas = np.full((side, side, 3), 114, dtype=np.uint8)
    sx0, sy0 = max(0, x0), max(0, y0)
    sx1, sy1 = min(width, x0 + side), min(height, y0 + side)
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = rgb[sy0:sy1, sx0:sx1]
    return cv2.resize(canvas, (THUMBNAIL_PX, THUMBNAIL_PX), interpolation=cv2.INTER_AREA)


def _not_followed(found: PersonBoxes, followed: PersonBoxes) -> PersonBoxes:
    """The people found that are none of the people followed (boxes overlapping by less than
    the suppression threshold)."""
    if not len(found) or not len(followed):
        return found
    iou, _ = overlap_matrices(found.boxes_xyxy, followed.boxes_xyxy)
    return found.select(iou.max(axis=1) <= NMS_IOU)


def _confirmed(detector: PersonDetector, rgb: np.ndarray, found: PersonBoxes) -> PersonBoxes:
    """People found on the whole frame or in a tile, each looked at again in a window sized
    to them, and kept as the window sees them.

    The whole frame (or a large tile) holding two small people can give one circle around both
    (seen on the park clip: a 930-px circle around the jumping man and the walking woman); a
    window on that circle finds one of them, or nobody, not the same circle again.
    """
    if not len(found):
        return found
    height, width = rgb.shape[:2]
    windows = [window_around(hip, FOLLOW_WINDOW_RADII * radius, width, height)
               for hip, radius in zip(found.hip_px, found.radius_px, strict=True)]
    kept = []
    for hip, radius, seen in zip(found.hip_px, found.radius_px,
                                 detector.detect_windows(rgb, windows), strict=True):
        if not len(seen):
            continue
        offset = np.hypot(*(seen.hip_px - hip).T) / (2 * radius)
        ratio = seen.radius_px / radius
        same = (offset <= CONFIRM_OFFSET_BODY_HEIGHTS) & (np.abs(np.log(ratio)) <= np.log(
            CONFIRM_SIZE_RATIO))
        if same.any():
            kept.append(seen.select(np.flatnonzero(same)[[int(np.argmax(seen.score[same]))]]))
    return PersonBoxes.concatenate(kept)


def _jpeg(rgb: np.ndarray) -> bytes:
    import cv2

    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, 85])
    return data.tobytes() if ok else b""


def scan_recording(
    video_path: str | os.PathLike[str],
    settings: ScanSettings | None = None,
    progress: ScanProgress | None = None,
    detector: PersonDetector | None = None,
) -> RecordingScan:
    """Find the people of a recording and their walking segments (see the module docstring).

    Parameters
    ----------
    video_path : path-like
    settings : ScanSettings, optional
    progress : callable, optional
        ``progress(seconds_scanned, seconds_total)``, about twice a second.
    detector : PersonDetector, optional
        A detector to reuse (its model is loaded once).

    Returns
    -------
    RecordingScan

    Raises
    ------
    gait.media.video.VideoError
        If the recording cannot be read.
    """
    settings = settings or ScanSettings()
    detector = detector or PersonDetector(min_score=settings.min_score)
    started = time.perf_counter()
    path = Path(video_path)
    info = probe_video(path)
    # A clip of a few seconds is scanned more densely, so that its people get enough samples.
    sample_fps = min(info.fps, max(settings.scan_fps, MIN_SCANNED_FRAMES / max(info.duration_s,
                                                                               1e-3)))
    stream = iter_frames(path, max_width_px=settings.max_width_px,
                         frames=FrameSelection(sample_fps=sample_fps))
    width, height = stream.size_px
    scale_to_frame = info.width_px / width
    tiles = [t for side in tile_sides_px(width, height)
             for t in square_tiles(width, height, side)]
    motion = _Motion(width, height)
    tracker = PersonTracker()
    best: dict[int, tuple[float, np.ndarray]] = {}  # track id -> (sharpness, thumbnail)
    next_search_s = 0.0
    last_time_s = 0.0
    last_report = 0.0
    n_scanned = n_searched_tiles = n_dark = 0
    with stream:
        for frame in stream:
            t, rgb = frame.timestamp_s, frame.rgb
            n_scanned += 1
            last_time_s = t
            if int(rgb[::8, ::8].max()) < DARK_GREY_LEVEL:
                n_dark += 1  # nothing to see: no detector
                continue
            found = [detector.detect(rgb)]
            expected = tracker.expected(t)
            if t >= next_search_s:
                mask = motion.moved(rgb)
                motion.ignore(mask, [(hip, radius) for _, hip, radius in expected])
                searched = [tile for tile in tiles if motion.tile_moved(mask, tile)]
                found += detector.detect_windows(rgb, searched)
                n_searched_tiles += len(searched)
                next_search_s = t + settings.search_interval_s
            followed = PersonBoxes.empty()
            if expected:
                windows = [window_around(hip, FOLLOW_WINDOW_RADII * radius, width, height)
                           for _, hip, radius in expected]
                followed = PersonBoxes.concatenate(detector.detect_windows(rgb, windows))
            new = _not_followed(non_max_suppression(PersonBoxes.concatenate(found)), followed)
            people = non_max_suppression(PersonBoxes.concatenate(
                [followed, _confirmed(detector, rgb, new)]))
            for row, track_id in enumerate(tracker.update(t, people)):
                sharpness = float(people.score[row] * people.radius_px[row])
                if sharpness > best.get(track_id, (0.0, None))[0]:
                    best[track_id] = (sharpness, _thumbnail(rgb, people.hip_px[row],
                                                            float(people.radius_px[row])))
            if progress is not None and time.perf_counter() - last_report > 0.5:
                last_report = time.perf_counter()
                progress(t, info.duration_s)
    tracks = []
    for number, track in enumerate(tracker.tracks(), start=1):
        # Renumbered 1, 2, ... (short tracks dropped as noise leave no gaps); frame pixels.
        scaled = PersonTrack(number, track.times_s, track.hip_px * scale_to_frame,
                             track.radius_px * scale_to_frame, track.score)
        thumbnail = best.get(track.track_id, (0.0, None))[1]
        tracks.append(ScannedTrack(scaled, tuple(scaled.walking_segments()),
                                   _jpeg(thumbnail) if thumbnail is not None else b""))
    if progress is not None:
        progress(info.duration_s, info.duration_s)
    return RecordingScan(
        source_file=path.name, fps=info.fps,
        duration_s=max(info.duration_s, last_time_s + 1.0 / info.fps) if n_scanned else 0.0,
        frame_size_px=info.frame_size_px, n_frames_scanned=n_scanned,
        n_tiles_searched=n_searched_tiles, n_dark_frames=n_dark, tracks=tuple(tracks),
        settings=settings,
        stopped_early=stream.stopped_early, n_decode_errors=stream.n_decode_errors,
        seconds=time.perf_counter() - started)



SCAN_FORMAT = "gait-id-scan/1"


def save_scan(scan: RecordingScan, path: str | os.PathLike[str]) -> Path:
    """Write a scan as JSON (atomically): the summary plus every track's samples and
    thumbnail (base64), so that :func:`load_scan` gives the same scan back."""
    import base64
    import json

    from gait.media.files import atomic_write

    payload = {
        "format": SCAN_FORMAT,
        **scan.to_dict(),
        "settings": asdict(scan.settings),
        "samples": [{
            "times_s": t.track.times_s.tolist(), "hip_px": t.track.hip_px.tolist(),
            "radius_px": t.track.radius_px.tolist(), "score": t.track.score.tolist(),
            "walking": [[w.start_s, w.end_s] for w in t.walking],
            "thumbnail_jpeg": base64.b64encode(t.thumbnail_jpeg).decode("ascii"),
        } for t in scan.tracks],
    }
    text = json.dumps(payload)
    return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def load_scan(path: str | os.PathLike[str]) -> RecordingScan | None:
    """A scan written by :func:`save_scan`, or None when the file is missing or unreadable."""
    import base64
    import json

    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        if payload.get("format") != SCAN_FORMAT:
            return None
        tracks = []
        for number, samples in enumerate(payload["samples"], start=1):
            track = PersonTrack(number, np.asarray(samples["times_s"], float),
                                np.asarray(samples["hip_px"], float).reshape(-1, 2),
                                np.asarray(samples["radius_px"], float),
                                np.asarray(samples["score"], float))
            walking = tuple(WalkingSegment(float(a), float(b)) for a, b in samples["walking"])
            tracks.append(ScannedTrack(track, walking,
                                       base64.b64decode(samples["thumbnail_jpeg"])))
        return RecordingScan(
            source_file=str(payload["source_file"]), fps=float(payload["fps"]),
            duration_s=float(payload["duration_s"]),
            frame_size_px=(int(payload["frame_size_px"][0]), int(payload["frame_size_px"][1])),
            n_frames_scanned=int(payload["n_frames_scanned"]),
            n_tiles_searched=int(payload["n_tiles_searched"]),
            n_dark_frames=int(payload["n_dark_frames"]), tracks=tuple(tracks),
            settings=ScanSettings(**payload["settings"]),
            stopped_early=bool(payload["stopped_early"]),
            n_decode_errors=int(payload["n_decode_errors"]), seconds=float(payload["seconds"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
