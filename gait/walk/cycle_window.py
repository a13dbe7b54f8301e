"""What the parameter formulas read: a walk's per-sample series and one cycle's window of them.

:class:`WalkSeries` computes per-sample quantities of one cleaned walk once (segment lengths,
sagittal and frontal angles, line tilts, absolute heights) and memoises them;
:class:`CycleWindow` slices them to one gait cycle and reads them at event times. The
aggregations (90th percentile, range, detrended range, symmetry index) are the catalogue's
(:mod:`gait.walk.parameters`).

Conventions as in :mod:`gait.walk.sequence`: positions in body lengths (bl), angles in
degrees, times in seconds; the forward axis is image x in the side view and MediaPipe depth z
in the front view; left and right are the person's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from gait.media import landmarks as lm
from gait.walk.cycles import GaitAnalysis, GaitCycle
from gait.walk.sequence import CleanWalk

_T = TypeVar("_T")

SIDE_LANDMARKS = {
    # MediaPipe landmark of each body part, by the person's own side.
    "left": {
        "shoulder": lm.L_SHOULDER, "elbow": lm.L_ELBOW, "wrist": lm.L_WRIST, "index": lm.L_INDEX,
        "hip": lm.L_HIP, "knee": lm.L_KNEE, "ankle": lm.L_ANKLE, "heel": lm.L_HEEL,
        "toe": lm.L_FOOT,
    },
    "right": {
        "shoulder": lm.R_SHOULDER, "elbow": lm.R_ELBOW, "wrist": lm.R_WRIST, "index": lm.R_INDEX,
        "hip": lm.R_HIP, "knee": lm.R_KNEE, "ankle": lm.R_ANKLE, "heel": lm.R_HEEL,
        "toe": lm.R_FOOT,
    },
}


class WalkSeries:
    """Per-sample quantities of one walk, computed lazily and memoised.

    Parameters
    ----------
    walk : CleanWalk
        A cleaned walk (:func:`gait.walk.sequence.clean_walks`); ``xyz_bl`` has shape
        (n_samples, 33, 3), body lengths.

    Attributes
    ----------
    forward, vertical, lateral : ndarray, shape (n_samples, 33)
        Each landmark's forward (image x in the side view, depth z in the front view),
        vertical (image y, down positive) and sideways (image x) coordinate, bl.
    """

    def __init__(self, walk: CleanWalk) -> None:
        self.walk = walk
        self.xyz = walk.xyz_bl
        forward_axis = 0 if walk.view == "side" else 2
        self.forward = self.xyz[:, :, forward_axis]
        self.vertical = self.xyz[:, :, 1]
        self.lateral = self.xyz[:, :, 0]  # person's right in the front view
        self._cache: dict[str, Any] = {}

    def get(self, key: str, make: Callable[[], _T]) -> _T:
        """The series memoised under ``key``, made by ``make()`` on first use."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]  # type: ignore[no-any-return]

    def length(self, a: int, b: int) -> np.ndarray:
        """Image-plane distance between two landmarks, bl, shape (n,)."""
        return self.get(
            f"len{a}-{b}", lambda: np.linalg.norm(self.xyz[:, a, :2] - self.xyz[:, b, :2], axis=1)
        )

    def _angle_from_down(self, key: str, horizontal: np.ndarray, a: int, b: int) -> np.ndarray:
        return self.get(
            f"{key}{a}-{b}",
            lambda: np.degrees(np.arctan2(horizontal[:, b] - horizontal[:, a],
                                          self.vertical[:, b] - self.vertical[:, a])),
        )

    def sagittal_angle(self, a: int, b: int) -> np.ndarray:
        """Angle of the vector a->b from straight down, forward positive, degrees."""
        return self._angle_from_down("sag", self.forward, a, b)

    def frontal_angle(self, a: int, b: int) -> np.ndarray:
        """Angle of the vector a->b from straight down, towards the person's right, degrees."""
        return self._angle_from_down("fro", self.lateral, a, b)

    def line_tilt(self, a: int, b: int) -> np.ndarray:
        """Tilt of the line a->b from horizontal in the image plane, degrees."""
        return self.get(
            f"tilt{a}-{b}",
            lambda: np.degrees(
                np.arctan2(self.vertical[:, b] - self.vertical[:, a],
                           np.abs(self.lateral[:, b] - self.lateral[:, a]) + 1e-9)
            ),
        )

    def absolute_y(self, index: int) -> np.ndarray:
        """Vertical position of a landmark including the pelvis's own motion, bl."""
        return self.get(f"absy{index}", lambda: self.walk.pelvis_bl[:, 1] + self.vertical[:, index])


def mid_point(xyz: np.ndarray, a: int, b: int) -> np.ndarray:
    """Midpoint of landmarks ``a`` and ``b``; ``xyz`` shape (n, 33, 3) -> shape (n, 3)."""
    return (xyz[:, a] + xyz[:, b]) / 2


@dataclass(frozen=True)
class CycleWindow:
    """One gait cycle's samples of a walk's series.

    Attributes
    ----------
    series : WalkSeries
        The walk the cycle belongs to.
    cycle : GaitCycle
        Its events (s).
    start, stop : int
        The cycle's first sample and one past its last (the next heel strike included).
    memo : dict
        Quantities of this cycle that several parameters share, computed once
        (:meth:`get`).
    """

    series: WalkSeries
    cycle: GaitCycle
    start: int
    stop: int  # exclusive
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def get(self, key: str, make: Callable[[], _T]) -> _T:
        """The cycle's quantity memoised under ``key``, made by ``make()`` on first use."""
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]  # type: ignore[no-any-return]

    def window(self, values: np.ndarray) -> np.ndarray:
        """The cycle's samples of a per-sample series (first axis: samples)."""
        return values[self.start : self.stop]

    def at(self, values: np.ndarray, time_s: float) -> float:
        """A per-sample series at the sample nearest ``time_s`` (NaN for a NaN time)."""
        if np.isnan(time_s):
            return float("nan")
        index = round((time_s - self.series.walk.time_s[0]) * self.series.walk.sample_rate_hz)
        index = min(max(index, 0), values.shape[0] - 1)
        return float(values[index])


def p90(values: np.ndarray) -> float:
    """90th percentile with linear interpolation (as ``np.percentile``, without its overhead)."""
    ordered = np.sort(values)
    position = 0.9 * (ordered.size - 1)
    lo = int(position)
    hi = min(lo + 1, ordered.size - 1)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo))


def median(values: np.ndarray) -> float:
    """Median of a 1-D array, exactly ``np.median``'s (NaN when a value is NaN), without its
    overhead."""
    ordered = np.sort(values)
    if ordered.size == 0 or np.isnan(ordered[-1]):
        return float("nan")
    half = ordered.size // 2
    if ordered.size % 2:
        return float(ordered[half])
    return float((ordered[half - 1] + ordered[half]) / 2)


def value_range(values: np.ndarray) -> float:
    """Maximum minus minimum."""
    return float(values.max() - values.min())


def detrended_range(values: np.ndarray) -> float:
    """Range after removing the least-squares line (NaN for fewer than 3 samples)."""
    if values.size < 3:
        return float("nan")
    t = np.arange(values.size) - (values.size - 1) / 2.0  # centred: least squares in closed form
    slope = float(np.dot(t, values) / np.dot(t, t))
    return value_range(values - slope * t)


def symmetry_pct(left: float, right: float) -> float:
    """Symmetry index 100 * (L - R) / mean(L, R); 0 is perfect symmetry."""
    mean = (left + right) / 2
    if not np.isfinite(mean) or abs(mean) < 1e-9:
        return float("nan")
    return float(100.0 * (left - right) / mean)


def cycle_windows(analysis: GaitAnalysis) -> list[CycleWindow]:
    """Every gait cycle of ``analysis`` with the samples of its walk it spans (one
    :class:`WalkSeries` per walk, shared by its cycles)."""
    series = [WalkSeries(w) for w in analysis.all_walks]
    windows = []
    for cycle in analysis.cycles:
        s = series[cycle.walk_index]
        t0, fs = s.walk.time_s[0], s.walk.sample_rate_hz
        start = round((cycle.start_s - t0) * fs)
        stop = min(round((cycle.end_s - t0) * fs) + 1, s.walk.n_samples)
        windows.append(CycleWindow(s, cycle, start, stop))
    return windows
