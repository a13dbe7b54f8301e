"""Person tracks: per-frame detections linked by position and size, and the walker chosen.

A detection continues a track when its hip centre lies within ``LINK_GATE_BODY +
LINK_GATE_BODY_PER_S * gap_s`` body heights of the track's last position and its body height
differs by less than a factor of ``exp(LINK_MAX_LOG_SCALE)``. The track that walks is the one
with the highest score: horizontal travel in body heights, plus ``DEPTH_WEIGHT`` x the change
of apparent size (walking towards or away from the camera), plus ``DURATION_WEIGHT_PER_S`` x
its seconds on screen.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gait.media.landmarks import (
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

LINK_GATE_BODY = 0.6
LINK_GATE_BODY_PER_S = 2.0
LINK_MAX_GAP_S = 1.0
LINK_MAX_LOG_SCALE = 0.5
DEPTH_WEIGHT = 2.0
DURATION_WEIGHT_PER_S = 0.1


@dataclass(frozen=True)
class Detection:
    """One person found in one frame by tracker ``slot``; arrays of shape (33, 4)."""

    slot: int
    xyzv: np.ndarray
    world_xyzv: np.ndarray | None


def _midpoint(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return (xy[a] + xy[b]) / 2.0


def body_height_px(xyzv: np.ndarray, frame_size_px: tuple[int, int]) -> float:
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


def hip_centre_px(xyzv: np.ndarray, frame_size_px: tuple[int, int]) -> np.ndarray:
    """Midpoint of the hips in pixels, shape (2,), from landmarks of shape (33, 4)."""
    xy = xyzv[:, :2].astype(np.float64) * np.asarray(frame_size_px, dtype=np.float64)
    return _midpoint(xy, L_HIP, R_HIP)


@dataclass
class Track:
    """One person followed over frames: the rows (frame positions) and detections it holds,
    with the hip centre (pixels) and body height (pixels) of each."""

    rows: list[int] = field(default_factory=list)
    detections: list[Detection] = field(default_factory=list)
    centres_px: list[np.ndarray] = field(default_factory=list)
    heights_px: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class TrackSummary:
    """What a track shows of the person's walk (see the module docstring for the score).

    Attributes
    ----------
    first_frame, last_frame, n_frames : int
        Frame indices of its first and last detection, and how many frames it holds.
    median_height_px : float
        Median body height in pixels.
    travel_body_heights : float
        Horizontal travel (5th to 95th percentile of the hip centre) in body heights.
    depth_log_ratio : float
        Log of the body height in its last quarter over its first (walking towards the
        camera is positive).
    score : float
        The walking score.
    """

    first_frame: int
    last_frame: int
    n_frames: int
    median_height_px: float
    travel_body_heights: float
    depth_log_ratio: float
    score: float

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dictionary (rounded; stored in ``meta["person_tracks"]``)."""
        return {
            "first_frame": self.first_frame,
            "last_frame": self.last_frame,
            "n_frames": self.n_frames,
            "median_height_px": round(self.median_height_px, 1),
            "travel_body_heights": round(self.travel_body_heights, 3),
            "depth_log_ratio": round(self.depth_log_ratio, 3),
            "score": round(self.score, 3),
        }


def link_tracks(
    detections: list[list[Detection]],
    frame_index: np.ndarray,
    fps: float,
    frame_size_px: tuple[int, int],
) -> list[Track]:
    """Greedily link per-frame detections into tracks by hip position and body height."""
    tracks: list[Track] = []
    for row, found in enumerate(detections):
        items: list[tuple[Detection, np.ndarray, float]] = []
        for det in found:
            centre = hip_centre_px(det.xyzv, frame_size_px)
            height = body_height_px(det.xyzv, frame_size_px)
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
                track = Track()
                _append(track, row, item)
                tracks.append(track)
    return tracks


def _append(track: Track, row: int, item: tuple[Detection, np.ndarray, float]) -> None:
    track.rows.append(row)
    track.detections.append(item[0])
    track.centres_px.append(item[1])
    track.heights_px.append(item[2])


def summarise_track(track: Track, frame_index: np.ndarray, fps: float) -> TrackSummary:
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
    return TrackSummary(
        first_frame=int(frame_index[track.rows[0]]),
        last_frame=int(frame_index[track.rows[-1]]),
        n_frames=n,
        median_height_px=body_px,
        travel_body_heights=travel,
        depth_log_ratio=depth,
        score=score,
    )


def select_walker(
    indices: list[int],
    detections: list[list[Detection]],
    fps: float,
    frame_size_px: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]], int | None]:
    """Link the detections into tracks and keep the walking person's landmarks.

    Parameters
    ----------
    indices : list of int
        Frame index of every frame, shape (n_frames,).
    detections : list of list of Detection
        The people found in each frame.
    fps : float
        Frame rate, frames per second.
    frame_size_px : (int, int)
        Width and height of the frames.

    Returns
    -------
    xyzv, world_xyzv : ndarray, shape (n_frames, 33, 4)
        The walker's landmarks; NaN rows where the walker was not found.
    frame_index : ndarray, shape (n_frames,)
    tracks : list of dict
        :meth:`TrackSummary.to_dict` of the best 20 tracks, best first.
    selected : int or None
        Index of the walker's track in ``tracks`` (0), None when nobody was found.
    """
    frame_index = np.asarray(indices, dtype=np.int64)
    n = len(indices)
    xyzv = np.full((n, N_LANDMARKS, 4), np.nan, dtype=np.float32)
    world = np.full((n, N_LANDMARKS, 4), np.nan, dtype=np.float32)
    tracks = link_tracks(detections, frame_index, fps, frame_size_px)
    if not tracks:
        return xyzv, world, frame_index, [], None
    summaries = [summarise_track(t, frame_index, fps) for t in tracks]
    order = sorted(range(len(tracks)), key=lambda i: -summaries[i].score)
    best = tracks[order[0]]
    for row, det in zip(best.rows, best.detections, strict=True):
        xyzv[row] = det.xyzv
        if det.world_xyzv is not None:
            world[row] = det.world_xyzv
    described = [summaries[i].to_dict() for i in order[:20]]
    return xyzv, world, frame_index, described, 0
