"""Gait events (heel strike, toe off, each foot) and gait cycles, for side and front cameras.

Events follow the kinematic method of Zeni et al. (2008): heel strike is the moment a foot is
furthest *in front of* the pelvis, toe off the moment it is furthest *behind* it. The
anterior-posterior (AP) position of each foot relative to the pelvis comes from

* the side camera: the canonical forward image axis x;
* the front camera: MediaPipe's depth z (forward = away from the camera after
  :mod:`gait.walk.sequence` turned the walk) combined with the image height y, because a foot
  in front is also higher in the image when seen from behind (lower when seen from the front).

Peaks are searched with a minimum spacing derived from the step period, itself estimated from
the autocorrelation of the foot separation, so nothing depends on the frame rate or on the
first two peaks of a clip. Seen from behind, MediaPipe's feet are the least reliable (the
separation signal misses and invents steps), while the pelvis still dips once per step, at
weight acceptance just after each heel strike: for walks away from the camera, heel strikes are
the dips of the pelvis's vertical bounce, unless its rhythm is not the feet's step rhythm or it
gives no complete stride (stride times within a clip of the shared enrolment set vary by 4.4 %
instead of 7.4 %, clips with at most one cycle 3 instead of 10; walks towards the camera keep
the foot signal, which is steadier there: 3.4 %).

A gait cycle (stride) runs from a heel strike to the next heel strike of the same foot; cycles
of both feet are returned (they overlap by half a stride).

A walk too short for a stride but with at least one *step* (a heel strike of one foot, then of
the other) still says something about the walker: each step is completed into a symmetric
stride by its mirror image (left and right exchanged, the body reflected across its sagittal
plane), a *half cycle* (:attr:`GaitCycle.from_step`), whose parameters are those of the
step's walker assuming left and right alike (the symmetry parameters are therefore
uninformative). Half cycles are made only when a clip has no complete cycle, and weigh
:data:`HALF_CYCLE_WEIGHT` in the identification.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from gait.media import landmarks as lm
from gait.media.keypoints import KeypointSequence
from gait.walk.sequence import (
    CleanSettings,
    CleanWalk,
    clean_walks,
    repair_limb_labels,
    zero_phase_filter,
)

FEET = ("left", "right")
_HEEL = {"left": lm.L_HEEL, "right": lm.R_HEEL}
_TOE = {"left": lm.L_FOOT, "right": lm.R_FOOT}
_ANKLE = {"left": lm.L_ANKLE, "right": lm.R_ANKLE}
# Weight of MediaPipe depth against image height in the front-view AP signal (depth is the
# noisier cue; 0.5 found the most cycles with the steadiest stride times on the enrolment set).
_FRONT_DEPTH_WEIGHT = 0.5
# Pass band of the pelvis's vertical bounce (one dip per step), Hz.
_BOUNCE_BAND_HZ = (0.5, 4.0)
# A step estimate this long (cadence 75 steps/min; 99.9 % of the shared data's strides take
# at most 1.5 s) may be two steps.
_SLOWEST_STEP_S = 0.8
# Weight of a half cycle (a step completed by its mirror image) against a full cycle's 1.
HALF_CYCLE_WEIGHT = 0.5


@dataclass(frozen=True)
class CycleSettings:
    """How gait events and cycles are found.

    Attributes
    ----------
    min_stride_s, max_stride_s : float
        Plausible range of a stride (two steps) in seconds.
    min_prominence_fraction : float
        A heel-strike peak must stand out by this fraction of the foot signal's 5-95 %
        range.
    max_period_deviation : float
        A cycle whose duration differs from the walk's stride period by more than this
        fraction is rejected (a missed or spurious event).
    repair_legs, repair_arms : bool
        Side view: whether the heel strikes repair the leg labels, and the arm labels, where
        they contradict them (:func:`gait.walk.sequence.repair_limb_labels`). Measured with
        the side view's network (enrolled on ``enrol/``, seeds 42, 1, 2, 3): both against
        neither, rank-1 on ``evidence_normal`` 96.7 % either way (seeds 42 and 1 without),
        Cllr 0.19 against 0.57; the legs alone 93.3 %, Cllr 0.25.
    """

    min_stride_s: float = 0.6
    max_stride_s: float = 2.2
    min_prominence_fraction: float = 0.25
    max_period_deviation: float = 0.25
    repair_legs: bool = True
    repair_arms: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.min_stride_s < self.max_stride_s:
            raise ValueError("need 0 < min_stride_s < max_stride_s")


@dataclass(frozen=True)
class GaitEvents:
    """Gait events of one walk, in seconds (canonical foot labels).

    Attributes
    ----------
    heel_strike_s, toe_off_s : dict of str to ndarray
        Event times per foot (``"left"``, ``"right"``), sorted.
    stride_period_s : float
        Stride period estimated for the walk (NaN if no periodicity was found).
    ap_position_bl : dict of str to ndarray
        The AP signal each foot's events were found on, shape (n_samples,), in body lengths.
    """

    heel_strike_s: dict[str, np.ndarray]
    toe_off_s: dict[str, np.ndarray]
    stride_period_s: float
    ap_position_bl: dict[str, np.ndarray] = field(repr=False)


@dataclass(frozen=True)
class GaitCycle:
    """One stride: from a heel strike of ``foot`` to its next heel strike.

    Times are in seconds since the clip's first frame; an event not found inside the cycle
    is NaN.
    """

    walk_index: int
    foot: str
    start_s: float
    end_s: float
    toe_off_s: float
    contra_heel_strike_s: float
    contra_toe_off_s: float
    from_step: bool = False

    def __post_init__(self) -> None:
        if self.foot not in FEET:
            raise ValueError(f"foot must be one of {FEET}")
        if not self.end_s > self.start_s:
            raise ValueError("a cycle must end after it starts")

    @property
    def duration_s(self) -> float:
        """Stride time in seconds."""
        return self.end_s - self.start_s

    @property
    def weight(self) -> float:
        """Weight of the cycle in an identification: 1, or :data:`HALF_CYCLE_WEIGHT` for a
        half cycle."""
        return HALF_CYCLE_WEIGHT if self.from_step else 1.0


@dataclass(frozen=True)
class GaitAnalysis:
    """Everything known about the walking in a clip.

    ``insufficient_reason`` is ``None`` when at least one gait cycle (or half cycle) was
    found, otherwise a one-sentence explanation ("insufficient gait"), never an exception.
    ``step_walks`` are the strides made of a step and its mirror image, one per half cycle
    (a cycle's ``walk_index`` counts ``walks`` first, then ``step_walks``).
    """

    view: str
    walks: tuple[CleanWalk, ...]
    events: tuple[GaitEvents, ...]
    cycles: tuple[GaitCycle, ...]
    insufficient_reason: str | None = None
    step_walks: tuple[CleanWalk, ...] = ()

    @property
    def sufficient(self) -> bool:
        """True when at least one gait cycle or half cycle was found."""
        return self.insufficient_reason is None and len(self.cycles) > 0

    @property
    def from_steps(self) -> bool:
        """True when the clip has steps but no complete cycle: its cycles are half cycles."""
        return bool(self.cycles) and all(c.from_step for c in self.cycles)

    @property
    def all_walks(self) -> tuple[CleanWalk, ...]:
        """``walks`` then ``step_walks`` (what a cycle's ``walk_index`` counts)."""
        return self.walks + self.step_walks

    @property
    def direction(self) -> str:
        """Walking direction of the longest walk (``unknown`` without one)."""
        if not self.walks:
            return "unknown"
        return max(self.walks, key=lambda w: w.n_samples).direction

    @property
    def relabelled_fraction(self) -> float:
        """Share of the cleaned samples, in [0, 1], whose left/right labels the cleaning
        exchanged (:attr:`gait.walk.sequence.CleanWalk.relabelled_fraction`, weighted by walk
        length); 0 without a walk."""
        n_samples = sum(w.n_samples for w in self.walks)
        if not n_samples:
            return 0.0
        return sum(w.relabelled_fraction * w.n_samples for w in self.walks) / n_samples


def foot_ap_positions(walk: CleanWalk) -> dict[str, dict[str, np.ndarray]]:
    """AP position relative to the pelvis of each foot's heel and toe, in body lengths.

    Returns
    -------
    dict
        ``{"left"|"right": {"heel": (n,), "toe": (n,)}}``; larger is further forward.
    """
    xyz = walk.xyz_bl
    out: dict[str, dict[str, np.ndarray]] = {}
    for foot in FEET:
        parts = {}
        for part, index in (("heel", _HEEL[foot]), ("toe", _TOE[foot])):
            if walk.view == "side":
                parts[part] = xyz[:, index, 0]
            else:
                depth = xyz[:, index, 2]
                # Seen from behind, the forward foot is higher in the image (smaller y); the
                # walk was turned for front-facing clips, but y was not, so flip it back.
                height = -xyz[:, index, 1] if walk.direction == "back" else xyz[:, index, 1]
                parts[part] = _FRONT_DEPTH_WEIGHT * depth + _rescale_like(
                    height - np.median(height), depth
                )
        out[foot] = parts
    return out


def _rescale_like(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Scale ``values`` to the robust spread of ``reference`` (used to mix two AP cues)."""
    spread_v = np.subtract(*np.percentile(values, [90, 10]))
    spread_r = np.subtract(*np.percentile(reference, [90, 10]))
    if spread_v < 1e-9:
        return np.zeros_like(values)
    return values * (spread_r / spread_v)


def estimate_period(
    values: np.ndarray, sample_rate_hz: float, min_period_s: float, max_period_s: float
) -> float:
    """Period in seconds of a roughly periodic signal, from its autocorrelation.

    Parameters
    ----------
    values : ndarray, shape (n,)
    sample_rate_hz : float
    min_period_s, max_period_s : float
        Range of plausible periods.

    Returns
    -------
    float
        The shortest lag in the range whose autocorrelation peak reaches 60 % of the highest
        one, or NaN when the signal shows no periodicity there.
    """
    x = values - values.mean()
    n = x.size
    if n < 4 or not np.any(np.abs(x) > 1e-12):
        return float("nan")
    ac = signal.correlate(x, x, mode="full")[n - 1 :]
    ac = ac / ac[0] / (1 - np.arange(n) / n).clip(min=0.25)  # unbiased estimate
    lo = int(np.floor(min_period_s * sample_rate_hz))
    hi = min(int(np.ceil(max_period_s * sample_rate_hz)), n - 2)
    if hi <= lo:
        return float("nan")
    peaks, _ = signal.find_peaks(ac[: hi + 2])
    peaks = peaks[(peaks >= lo) & (peaks <= hi) & (ac[peaks] > 0.0)]
    if peaks.size == 0:
        return float("nan")
    # The shortest lag that is nearly as self-similar as the best one: a multiple of the
    # period correlates as well as the period itself.
    strong = peaks[ac[peaks] >= 0.6 * ac[peaks].max()]
    return float(strong[0] / sample_rate_hz)


def detect_events(walk: CleanWalk, settings: CycleSettings | None = None) -> GaitEvents:
    """Heel strikes and toe offs of both feet in one walk (see the module docstring).

    Heel strikes are the peaks of the heel separation |AP_left - AP_right|, which does not
    depend on MediaPipe's (often unreliable, in side views) left/right labels; they are then
    assigned to the feet alternately, in the phase that agrees best with which labelled heel
    is in front (in front views, over the half step before each strike: see
    :func:`striking_feet`). A toe off is the rearmost position of the trailing toe in the
    first half of each step; it belongs to the foot that strikes next.
    """
    settings = settings or CycleSettings()
    ap = foot_ap_positions(walk)
    fs = walk.sample_rate_hz
    separation = ap["left"]["heel"] - ap["right"]["heel"]
    candidates = [
        estimate_period(np.abs(separation), fs, settings.min_stride_s / 2,
                        settings.max_stride_s / 2),
        estimate_period(separation, fs, settings.min_stride_s, settings.max_stride_s) / 2,
    ]
    guides: list[np.ndarray | None] = [None]
    if walk.view == "front":
        # Seen from the front or behind, the difference of the two ankles' image heights
        # alternates once per stride and is often steadier than the depth-based AP signal,
        # whose autocorrelation can lock onto two strides.
        height_gap = walk.xyz_bl[:, lm.L_ANKLE, 1] - walk.xyz_bl[:, lm.R_ANKLE, 1]
        candidates.append(
            estimate_period(height_gap, fs, settings.min_stride_s, settings.max_stride_s) / 2)
        bounce = pelvis_bounce(walk) if walk.direction == "back" else None
        if bounce is not None:
            # Walking away: the pelvis's dips time the steps, if they keep the feet's step
            # rhythm (a bounce dominated by one side dips once a stride); the feet's own
            # signal is the fallback when the bounce gives no complete stride.
            bounce_step_s = estimate_period(bounce, fs, settings.min_stride_s / 2,
                                            settings.max_stride_s / 2)
            if any(abs(bounce_step_s - c) <= settings.max_period_deviation * c
                   for c in candidates):
                candidates.insert(0, bounce_step_s)
                guides.insert(0, bounce)
    # An autocorrelation can lock onto two steps where the heels or their labels are
    # confused: half of a step estimate slower than anyone walks is tried too, and wins only
    # with more complete strides.
    candidates += [c / 2 for c in candidates if c >= _SLOWEST_STEP_S]
    # The step period steers peak picking and the stride check: of the distinct estimates,
    # keep the one whose events give the most complete strides (the first one on a tie). The
    # next guide (the feet's signal after the bounce) is tried only if none gave a stride.
    best: GaitEvents | None = None
    best_count = -1
    for guide in guides:
        tried: list[float] = []
        for step_s in candidates:
            if np.isnan(step_s) or any(abs(step_s - t) < 0.02 for t in tried):
                continue
            tried.append(step_s)
            events = _events_for_step(walk, ap, separation, step_s, settings, guide)
            count = len(segment_cycles(events, 0, settings))
            if count > best_count:
                best, best_count = events, count
        if best_count > 0:
            break
    return best if best is not None else _events_for_step(walk, ap, separation, float("nan"),
                                                          settings)


def pelvis_bounce(walk: CleanWalk) -> np.ndarray | None:
    """The pelvis's vertical bounce, band-passed, shape (n,); larger is lower in the image.

    None when the walk is too short to filter.
    """
    height = walk.pelvis_bl[:, 1]
    if height.size <= 15:  # 3 (2 n_sections + 1): too short to filter
        return None
    return zero_phase_filter(height - height.mean(), 2, _BOUNCE_BAND_HZ, "bandpass",
                             walk.sample_rate_hz)


def _peaks(values: np.ndarray, step_s: float, fs: float, settings: CycleSettings) -> np.ndarray:
    """Indices of one peak per step: spaced by at least 0.6 step, prominent (see
    :class:`CycleSettings`), not at the walk's edges (a cut-off peak's time is not trusted)."""
    # Robust spread (twice the interquartile range): transients where the person enters or
    # leaves the frame must not raise the bar for every step.
    robust_range = 2.0 * np.subtract(*np.percentile(values, [75, 25]))
    peaks, _ = signal.find_peaks(
        values,
        distance=max(1, int(0.6 * step_s * fs)),
        prominence=settings.min_prominence_fraction * robust_range,
    )
    edge = max(1, int(0.1 * fs))
    return peaks[(peaks >= edge) & (peaks < values.size - edge)]


def _events_for_step(walk: CleanWalk, ap: dict[str, dict[str, np.ndarray]],
                     separation: np.ndarray, step_s: float, settings: CycleSettings,
                     bounce: np.ndarray | None = None) -> GaitEvents:
    """Heel strikes and toe offs given the step period (see :func:`detect_events`); with a
    pelvis ``bounce`` (:func:`pelvis_bounce`), the strikes are its dips."""
    fs = walk.sample_rate_hz
    spread = np.abs(separation)
    empty = {foot: np.empty(0) for foot in FEET}
    if np.isnan(step_s):
        return GaitEvents(empty, dict(empty), float("nan"), {f: ap[f]["heel"] for f in FEET})
    strikes = _peaks(spread if bounce is None else bounce, step_s, fs, settings)
    foot_of = striking_feet(separation, strikes,
                            int(step_s * fs) // 2 if walk.view == "front" else 0)
    rear_toe = np.minimum(ap["left"]["toe"], ap["right"]["toe"])
    toe_offs: dict[str, list[float]] = {foot: [] for foot in FEET}
    for k, strike in enumerate(strikes):
        step_len = strikes[k + 1] - strike if k + 1 < strikes.size else int(step_s * fs)
        stop = min(rear_toe.size, strike + max(2, step_len // 2) + 1)
        if stop - strike < 2 or (k + 1 >= strikes.size and stop >= rear_toe.size):
            continue
        window = rear_toe[strike:stop]
        low = int(np.argmin(window))
        if 0 < low < window.size - 1:  # a true minimum, not the window's edge
            trailing = "right" if foot_of[k] == "left" else "left"
            toe_offs[trailing].append(float(walk.time_s[strike + low]))
    return GaitEvents(
        heel_strike_s={f: walk.time_s[strikes[foot_of == f]] for f in FEET},
        toe_off_s={f: np.asarray(v) for f, v in toe_offs.items()},
        stride_period_s=2 * step_s,
        ap_position_bl={f: ap[f]["heel"] for f in FEET},
    )


def striking_feet(separation: np.ndarray, strikes: np.ndarray, lead_samples: int = 0
                  ) -> np.ndarray:
    """Which foot makes each heel strike: the feet alternate, in the phase that agrees best
    with which heel is in front.

    Parameters
    ----------
    separation : ndarray, shape (n,)
        AP position of the left heel minus the right heel's (positive: left in front).
    strikes : ndarray of int, shape (k,)
        Sample indices of the heel strikes, in time order.
    lead_samples : int
        Which heel is in front is read from the mean separation over this many samples
        before each strike and the strike itself (0: at the strike alone). The striking foot
        leads throughout its late swing, while at a strike timed by the pelvis (which dips
        a little after it) the heels may already be level. On the front-view walks away of
        the shared data, the half step before the strike agrees with the alternation for
        91 % and 92 % of the strikes (sessions 1 and 2) against 83 % and 75 % at the strike;
        walks towards the camera 99-100 % either way.

    Returns
    -------
    ndarray of str, shape (k,)
        ``"left"`` or ``"right"`` per strike.
    """
    strikes = np.asarray(strikes, dtype=int)
    starts = np.maximum(strikes - lead_samples, 0)
    total = np.concatenate([[0.0], np.cumsum(separation)])
    sides = np.sign((total[strikes + 1] - total[starts]) / (strikes + 1 - starts))
    alternating = np.where(np.arange(strikes.size) % 2 == 0, 1.0, -1.0)
    if np.sum(sides == alternating) < np.sum(sides == -alternating):
        alternating = -alternating
    return np.where(alternating > 0, "left", "right")


def _first_between(times: np.ndarray, start: float, end: float) -> float:
    inside = times[(times > start) & (times < end)]
    return float(inside[0]) if inside.size else float("nan")


def segment_cycles(
    events: GaitEvents, walk_index: int, settings: CycleSettings | None = None
) -> list[GaitCycle]:
    """Strides of both feet whose duration agrees with the walk's stride period."""
    settings = settings or CycleSettings()
    period = events.stride_period_s
    cycles = []
    for foot in FEET:
        other = "right" if foot == "left" else "left"
        strikes = events.heel_strike_s[foot]
        for start, end in itertools.pairwise(strikes):
            duration = end - start
            if not settings.min_stride_s <= duration <= settings.max_stride_s:
                continue
            if abs(duration - period) > settings.max_period_deviation * period:
                continue
            contra = _first_between(events.heel_strike_s[other], start, end)
            if np.isnan(contra):  # a missed step: not a clean stride
                continue
            cycles.append(
                GaitCycle(
                    walk_index=walk_index,
                    foot=foot,
                    start_s=float(start),
                    end_s=float(end),
                    toe_off_s=_first_between(events.toe_off_s[foot], start, end),
                    contra_heel_strike_s=contra,
                    contra_toe_off_s=_first_between(events.toe_off_s[other], start, end),
                )
            )
    return sorted(cycles, key=lambda c: (c.start_s, c.foot))


def _mirrored_step(walk: CleanWalk, start: int, stop: int) -> CleanWalk:
    """Samples ``start..stop`` of a walk (a step) followed by their mirror image: the same
    step of the other foot, i.e. a symmetric stride, shape (2 * (stop - start) + 1, ...)."""
    across = 2 if walk.view == "side" else 0  # side camera: depth; front camera: image x
    swap = list(lm.LEFT_RIGHT_SWAP)
    xyz = walk.xyz_bl[start:stop + 1]
    mirror = xyz[1:][:, swap].copy()
    mirror[..., across] *= -1.0
    pelvis = walk.pelvis_bl[start:stop + 1]
    travelled = pelvis[1:] - pelvis[0]
    travelled[:, across] *= -1.0
    visibility = walk.visibility[start:stop + 1]
    body = walk.body_length_fh[start:stop + 1]
    n = 2 * (stop - start) + 1
    return CleanWalk(
        time_s=walk.time_s[start] + np.arange(n) / walk.sample_rate_hz,
        xyz_bl=np.concatenate([xyz, mirror]),
        pelvis_bl=np.concatenate([pelvis, pelvis[-1] + travelled]),
        visibility=np.concatenate([visibility, visibility[1:][:, swap]]),
        body_length_fh=np.concatenate([body, body[1:]]),
        view=walk.view, direction=walk.direction, mirrored=walk.mirrored,
        sample_rate_hz=walk.sample_rate_hz, relabelled_fraction=walk.relabelled_fraction,
        walking_angle_deg=walk.walking_angle_deg)


def step_cycles(walks: tuple[CleanWalk, ...], events: tuple[GaitEvents, ...] | None = None,
                settings: CycleSettings | None = None, first_index: int | None = None
                ) -> tuple[tuple[CleanWalk, ...], tuple[GaitCycle, ...]]:
    """Half cycles of walks too short for a stride: every step completed by its mirror image.

    A step is a heel strike of one foot followed by one of the other, from
    ``settings.min_stride_s / 2`` to ``settings.max_stride_s / 2`` apart, with no other
    strike between. Strikes are those of ``events`` where a step period was found, otherwise
    the heel separation's peaks at the shortest plausible step spacing (a walk of one step
    may show no periodicity to estimate a step period from).

    Parameters
    ----------
    walks : tuple of CleanWalk
    events : tuple of GaitEvents, optional
        :func:`detect_events` of each walk.
    settings : CycleSettings, optional
    first_index : int, optional
        ``walk_index`` of the first stride made (default ``len(walks)``).

    Returns
    -------
    step_walks : tuple of CleanWalk
        One mirrored stride per step.
    cycles : tuple of GaitCycle
        One half cycle per step (``from_step``), on its stride of ``step_walks``.
    """
    settings = settings or CycleSettings()
    index = len(walks) if first_index is None else first_index
    made_walks: list[CleanWalk] = []
    made: list[GaitCycle] = []
    for k, walk in enumerate(walks):
        found = events[k] if events is not None else None
        if found is None or np.isnan(found.stride_period_s):
            ap = foot_ap_positions(walk)
            found = _events_for_step(walk, ap, ap["left"]["heel"] - ap["right"]["heel"],
                                     settings.min_stride_s / 2, settings)
        strikes = sorted((float(t), foot) for foot in FEET for t in found.heel_strike_s[foot])
        for (t0, foot), (t1, other) in itertools.pairwise(strikes):
            if foot == other or not (settings.min_stride_s / 2 <= t1 - t0
                                     <= settings.max_stride_s / 2):
                continue
            start = round((t0 - walk.time_s[0]) * walk.sample_rate_hz)
            stop = round((t1 - walk.time_s[0]) * walk.sample_rate_hz)
            stride = _mirrored_step(walk, start, stop)
            step_s = (stop - start) / walk.sample_rate_hz
            begin = float(stride.time_s[0])
            other_off = _first_between(found.toe_off_s[other], t0, t1)
            made_walks.append(stride)
            made.append(GaitCycle(
                walk_index=index, foot=foot, start_s=begin, end_s=begin + 2 * step_s,
                toe_off_s=other_off - t0 + begin + step_s, contra_heel_strike_s=begin + step_s,
                contra_toe_off_s=other_off - t0 + begin, from_step=True))
            index += 1
    return tuple(made_walks), tuple(made)


def analyse_gait(
    sequence: KeypointSequence,
    view: str,
    clean_settings: CleanSettings | None = None,
    cycle_settings: CycleSettings | None = None,
) -> GaitAnalysis:
    """Clean a sequence, detect gait events and segment gait cycles.

    Never raises for a hard clip: when no complete cycle is found, the result carries an
    ``insufficient_reason``.
    """
    cycle_settings = cycle_settings or CycleSettings()
    walks = tuple(clean_walks(sequence, view, clean_settings))
    if not sequence.detected.any():
        return GaitAnalysis(view, walks, (), (), "no person was detected in any frame")
    if not walks:
        needed_s = (clean_settings or CleanSettings()).min_segment_s
        seen_s = sequence.detected.sum() / sequence.fps
        if seen_s < needed_s:
            return GaitAnalysis(
                view, walks, (), (),
                f"the person is seen for only {seen_s:.1f} s, less than a step needs to be "
                f"measured ({needed_s:g} s of walking)")
        return GaitAnalysis(
            view, walks, (), (),
            "the person is never visible long enough without interruption to walk a step",
        )
    events = tuple(detect_events(w, cycle_settings) for w in walks)
    if view == "side" and (cycle_settings.repair_legs or cycle_settings.repair_arms):
        # The strikes, found without the limb labels, repair them where they contradict them;
        # the events are then read again from the repaired walk (their feet may change).
        repaired = tuple(repair_limb_labels(w, e.heel_strike_s, cycle_settings.repair_legs,
                                            cycle_settings.repair_arms)
                         for w, e in zip(walks, events, strict=True))
        events = tuple(e if r is w else detect_events(r, cycle_settings)
                       for r, w, e in zip(repaired, walks, events, strict=True))
        walks = repaired
    cycles = tuple(
        c for i, e in enumerate(events) for c in segment_cycles(e, i, cycle_settings)
    )
    if cycles:
        return GaitAnalysis(view, walks, events, cycles)
    step_walks, half_cycles = step_cycles(walks, events, cycle_settings)
    if half_cycles:
        return GaitAnalysis(view, walks, events, half_cycles, step_walks=step_walks)
    longest = max(w.duration_s for w in walks)
    return GaitAnalysis(
        view, walks, events, (),
        f"not one step in {longest:.1f} s of visible walking (a step needs a heel strike of "
        "one foot, then of the other)")
