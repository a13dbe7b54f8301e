"""Following people through a recording: detections linked into person tracks, and their walks.

:class:`PersonTracker` links the people found at each scanned frame (:class:`PersonBoxes`)
into tracks by optimal assignment (SciPy's ``linear_sum_assignment``, the Hungarian method) on
the distance between a track's predicted mid-hip point and each detection, in body heights,
plus the change of apparent size; a pair farther apart than the gate is never linked, and a
track not seen for ``max_gap_s`` ends. The tracker is ours rather than supervision's ByteTrack:
supervision depends on ``opencv-python``, a second OpenCV distribution beside the
``opencv-contrib-python`` that mediapipe brings (they overwrite each other's files), and its
IoU matching of boxes loses small, fast-moving people whose boxes do not overlap between
frames sampled a fifth of a second apart, which a distance in body heights keeps.

A *walking segment* of a track is a time range of at least :data:`MIN_WALK_S` in which the
person moves steadily: the mid-hip point travels at least :data:`MIN_WALK_SPEED_BH_PER_S`
body heights per second (sideways, or towards or away from the camera, where the apparent
size changes instead), and mostly in one direction (net travel at least
:data:`MIN_STEADINESS` of the path length), over every window of :data:`WALK_WINDOW_S`; and
the segment as a whole goes mostly one way (:data:`MIN_STRAIGHTNESS_WALK`; one that turns back
is cut at the turn into two walks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gait.pose.detector import PersonBoxes

MAX_GAP_S = 1.5
GATE_BODY_HEIGHTS = 0.8
GATE_BODY_HEIGHTS_PER_S = 1.5
MAX_LOG_SCALE_CHANGE = 0.5
MIN_TRACK_SAMPLES = 3

WALK_WINDOW_S = 1.0
MIN_WALK_S = 1.0
MIN_WALK_SPEED_BH_PER_S = 0.25
MIN_STEADINESS = 0.5
# A whole walking segment goes mostly one way (net travel over path length); measured on the
# shared clips: walkers 0.89-1.00, the man jumping about in the park clip 0.20 and 0.48.
MIN_STRAIGHTNESS_WALK = 0.7
# A change of apparent size of d(ln size)/dt counts as this many body heights per second of
# travel: someone walking at 1.3 m/s towards a camera 6 m away grows by 0.2 /s, sideways they
# would cross 0.75 body heights per second.
DEPTH_GAIN = 3.5
WALK_GAP_S = 0.5
SIZE_SMOOTHING_S = 1.0


@dataclass(frozen=True)
class WalkingSegment:
    """A time range in which a track walks steadily.

    Attributes
    ----------
    start_s, end_s : float
        Seconds from the start of the recording.
    """

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, float]:
        """JSON-ready ``{"start_s", "end_s"}`` (rounded to milliseconds)."""
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3)}


@dataclass(frozen=True)
class PersonTrack:
    """One person followed through a recording, sampled at the scanned frames.

    Attributes
    ----------
    track_id : int
        Number of the track in its recording, from 1, in order of appearance.
    times_s : ndarray, shape (n,)
        Times of the samples, seconds, increasing.
    hip_px : ndarray, shape (n, 2)
        Mid-hip point (x, y) at each sample, frame pixels.
    radius_px : ndarray, shape (n,)
        Radius of the circle around the whole person, pixels (height is about twice it).
    score : ndarray, shape (n,)
        Detector confidence of each sample.
    """

    track_id: int
    times_s: np.ndarray
    hip_px: np.ndarray
    radius_px: np.ndarray
    score: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.times_s)
        if n == 0 or self.hip_px.shape != (n, 2) or self.radius_px.shape != (n,) \
                or self.score.shape != (n,):
            raise ValueError("a person track needs one row per sample, and at least one")

    @property
    def start_s(self) -> float:
        """Time of the first sample, seconds."""
        return float(self.times_s[0])

    @property
    def end_s(self) -> float:
        """Time of the last sample, seconds."""
        return float(self.times_s[-1])

    @property
    def median_height_px(self) -> float:
        """Median standing height in pixels (the diameter of the body circle)."""
        return float(2.0 * np.median(self.radius_px))

    def at(self, time_s: float) -> tuple[np.ndarray, float]:
        """Mid-hip point (2,) and body radius in pixels at ``time_s`` (interpolated, held at
        the ends)."""
        hip = np.array([np.interp(time_s, self.times_s, self.hip_px[:, 0]),
                        np.interp(time_s, self.times_s, self.hip_px[:, 1])])
        return hip, float(np.interp(time_s, self.times_s, self.radius_px))

    def walking_rate(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Travel over the window of :data:`WALK_WINDOW_S` that ends at every sample.

        Returns
        -------
        speed_bh_per_s : ndarray, shape (n,)
            Net travel in body heights per second (sideways plus the depth term).
        steadiness : ndarray, shape (n,)
            Net travel over path length in the window, in [0, 1].
        window_s : ndarray, shape (n,)
            Length of the window actually covered (shorter at the start of the track).
        """
        n = len(self.times_s)
        body = 2.0 * np.maximum(self.radius_px, 1.0)
        log_size = self._smooth_log_size()
        speed, steady, window = np.zeros(n), np.zeros(n), np.zeros(n)
        first = 0
        for i in range(n):
            while self.times_s[i] - self.times_s[first] > WALK_WINDOW_S:
                first += 1
            span = self.times_s[i] - self.times_s[first]
            window[i] = span
            if i == first or span <= 0:
                continue
            scale = float(np.median(body[first:i + 1]))
            steps = np.diff(self.hip_px[first:i + 1], axis=0) / scale
            depth = np.diff(log_size[first:i + 1]) * DEPTH_GAIN
            net = np.hypot(*(self.hip_px[i] - self.hip_px[first]) / scale)
            net_depth = abs(log_size[i] - log_size[first]) * DEPTH_GAIN
            path = float(np.hypot(steps[:, 0], steps[:, 1]).sum() + np.abs(depth).sum())
            speed[i] = (net + net_depth) / span
            steady[i] = (net + net_depth) / path if path > 0 else 0.0
        return speed, steady, window

    def walking_segments(self) -> list[WalkingSegment]:
        """The time ranges in which the person walks steadily (see the module docstring)."""
        speed, steady, window = self.walking_rate()
        walking = (speed >= MIN_WALK_SPEED_BH_PER_S) & (steady >= MIN_STEADINESS) & (
            window >= 0.5 * WALK_WINDOW_S)
        runs: list[list[int]] = []  # [first sample, last sample] of each run of walking
        for i in np.flatnonzero(walking):
            # The window that ends at sample i walked: its whole span is walking.
            first = int(np.searchsorted(self.times_s, self.times_s[i] - window[i]))
            if runs and self.times_s[first] <= self.times_s[runs[-1][1]] + WALK_GAP_S:
                runs[-1][1] = int(i)
            else:
                runs.append([first, int(i)])
        parts = [part for first, last in runs for part in self._straight_parts(first, last)]
        return [WalkingSegment(float(self.times_s[a]), float(self.times_s[b])) for a, b in parts
                if self.times_s[b] - self.times_s[a] >= MIN_WALK_S]

    def _smooth_log_size(self) -> np.ndarray:
        """Log of the body height at each sample, a running median over
        :data:`SIZE_SMOOTHING_S` (the detector's size of a person jitters by several per cent
        from frame to frame, which would read as walking towards and away from the camera)."""
        log_size = np.log(2.0 * np.maximum(self.radius_px, 0.5))
        half = SIZE_SMOOTHING_S / 2
        return np.array([np.median(log_size[np.abs(self.times_s - t) <= half])
                         for t in self.times_s])

    def _travel(self, first: int, last: int) -> tuple[float, float]:
        """Net travel and path length from sample ``first`` to ``last``, in body heights."""
        body = 2.0 * float(np.median(np.maximum(self.radius_px[first:last + 1], 0.5)))
        hips = self.hip_px[first:last + 1] / body
        depth = self._smooth_log_size()[first:last + 1] * DEPTH_GAIN
        net = float(np.hypot(*(hips[-1] - hips[0])) + abs(depth[-1] - depth[0]))
        path = float(np.hypot(*np.diff(hips, axis=0).T).sum() + np.abs(np.diff(depth)).sum())
        return net, path

    def _straight_parts(self, first: int, last: int) -> list[tuple[int, int]]:
        """A run of walking windows, cut at its turns into parts that go mostly one way (net
        travel at least :data:`MIN_STRAIGHTNESS_WALK` of the path): someone who jumps about
        moves, but not along a line; someone who turns back walks twice."""
        if last - first < 2:
            return []
        net, path = self._travel(first, last)
        if path > 0 and net >= MIN_STRAIGHTNESS_WALK * path:
            return [(first, last)]
        hips = self.hip_px[first:last + 1]
        turn = first + 1 + int(np.argmax(np.hypot(*(hips[1:-1] - hips[0]).T)))
        return self._straight_parts(first, turn) + self._straight_parts(turn, last)

    def distance_body_heights(self) -> float:
        """Path length of the mid-hip point, in body heights."""
        if len(self.times_s) < 2:
            return 0.0
        steps = np.diff(self.hip_px, axis=0) / (2.0 * np.median(self.radius_px))
        return float(np.hypot(steps[:, 0], steps[:, 1]).sum())


@dataclass
class _Open:
    """A track being followed."""

    track_id: int
    times_s: list[float] = field(default_factory=list)
    hips: list[np.ndarray] = field(default_factory=list)
    radii: list[float] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)

    def add(self, time_s: float, hip: np.ndarray, radius: float, score: float) -> None:
        self.times_s.append(time_s)
        self.hips.append(np.asarray(hip, dtype=np.float64))
        self.radii.append(float(radius))
        self.scores.append(float(score))

    def predict(self, time_s: float) -> np.ndarray:
        """Mid-hip point expected at ``time_s`` (constant velocity over the last second)."""
        last = self.hips[-1]
        older = [i for i, t in enumerate(self.times_s) if self.times_s[-1] - t <= 1.0]
        first = older[0]
        span = self.times_s[-1] - self.times_s[first]
        if span <= 0:
            return last
        velocity = (last - self.hips[first]) / span
        return last + velocity * (time_s - self.times_s[-1])

    def record(self) -> PersonTrack:
        return PersonTrack(self.track_id, np.array(self.times_s), np.vstack(self.hips),
                           np.array(self.radii), np.array(self.scores))


class PersonTracker:
    """Links people found at successive times into tracks (see the module docstring).

    Parameters
    ----------
    max_gap_s : float
        A track not seen for longer ends (a person lost for a moment is re-acquired within).
    min_samples : int
        Tracks with fewer samples are dropped as noise when the tracks are read.
    """

    def __init__(self, max_gap_s: float = MAX_GAP_S, min_samples: int = MIN_TRACK_SAMPLES):
        self.max_gap_s = float(max_gap_s)
        self.min_samples = int(min_samples)
        self._open: list[_Open] = []
        self._closed: list[_Open] = []
        self._next_id = 1

    def update(self, time_s: float, people: PersonBoxes) -> list[int]:
        """Add the people found at ``time_s``; return the track id given to each of them."""
        from scipy.optimize import linear_sum_assignment

        for track in [t for t in self._open if time_s - t.times_s[-1] > self.max_gap_s]:
            self._open.remove(track)
            self._closed.append(track)
        ids = [0] * len(people)
        if self._open and len(people):
            cost = np.full((len(self._open), len(people)), np.inf)
            for i, track in enumerate(self._open):
                body = 2.0 * track.radii[-1]
                gap_s = time_s - track.times_s[-1]
                gate = GATE_BODY_HEIGHTS + GATE_BODY_HEIGHTS_PER_S * gap_s
                distance = np.hypot(*(people.hip_px - track.predict(time_s)).T) / body
                scale = np.abs(np.log(np.maximum(people.radius_px, 1e-6) / track.radii[-1]))
                ok = (distance <= gate) & (scale <= MAX_LOG_SCALE_CHANGE)
                cost[i, ok] = distance[ok] + scale[ok]
            finite = np.where(np.isfinite(cost), cost, 1e6)
            rows, cols = linear_sum_assignment(finite)
            for r, c in zip(rows, cols, strict=True):
                if np.isfinite(cost[r, c]):
                    track = self._open[r]
                    track.add(time_s, people.hip_px[c], people.radius_px[c], people.score[c])
                    ids[c] = track.track_id
        for c in range(len(people)):
            if ids[c] == 0:
                track = _Open(self._next_id)
                self._next_id += 1
                track.add(time_s, people.hip_px[c], people.radius_px[c], people.score[c])
                self._open.append(track)
                ids[c] = track.track_id
        return ids

    def expected(self, time_s: float) -> list[tuple[int, np.ndarray, float]]:
        """Where the open tracks should be at ``time_s``: (track id, mid-hip (2,), radius)."""
        return [(t.track_id, t.predict(time_s), t.radii[-1]) for t in self._open
                if time_s - t.times_s[-1] <= self.max_gap_s]

    def tracks(self) -> list[PersonTrack]:
        """Every track with at least ``min_samples`` samples, in order of appearance (with the
        ids :meth:`update` gave)."""
        kept = [t for t in [*self._closed, *self._open] if len(t.times_s) >= self.min_samples]
        return [t.record() for t in sorted(kept, key=lambda t: t.times_s[0])]
