"""Waveform parameters: Fourier descriptors of a cycle's joint-angle curves.

Each angle curve of a cycle is sampled at WAVE_POINTS phases from the cycle's heel strike to the
next one of the same foot and described by its mean and the cosine and sine coefficients of
harmonics 1..WAVE_HARMONICS. Limbs are named *ipsilateral* (the side of the foot whose heel
strike starts the cycle) and *contralateral*, so the descriptors do not depend on which side
MediaPipe calls left, as long as its labels agree with the strikes throughout the walk (in
side views they often do not: :func:`gait.walk.sequence.repair_limb_labels` repairs them),
and a left-foot cycle of a symmetric walker gives the same values as a right-foot one. Side
view: angles in the sagittal plane (image x forward); front view: in the frontal plane (image
x), signed outwards for each limb.
"""

from __future__ import annotations

import numpy as np

from gait.media import landmarks as lm
from gait.walk.cycle_window import SIDE_LANDMARKS, CycleWindow, WalkSeries

WAVE_POINTS = 32
WAVE_HARMONICS = 3
LIMBS = ("ipsi", "contra")
# channel -> (landmark part names, words); segment angles are from straight down.
WAVE_SEGMENTS = {
    "thigh": (("hip", "knee"), "thigh (hip to knee) angle from vertical"),
    "shank": (("knee", "ankle"), "shank (knee to ankle) angle from vertical"),
    "knee": (("hip", "knee", "ankle"), "knee flexion (thigh angle minus shank angle)"),
    "foot": (("heel", "toe"), "foot pitch (heel to toe, toe down positive)"),
    "upper_arm": (("shoulder", "elbow"), "upper-arm (shoulder to elbow) angle from vertical"),
    "forearm": (("elbow", "wrist"), "forearm (elbow to wrist) angle from vertical"),
}
WAVE_AXIAL = {
    "trunk": ((lm.L_SHOULDER, lm.R_SHOULDER, lm.L_HIP, lm.R_HIP),
              "trunk (mid-hip to mid-shoulder) angle from vertical"),
    "head": ((lm.NOSE, lm.L_SHOULDER, lm.R_SHOULDER),
             "head (mid-shoulder to nose) angle from vertical"),
}


def wave_channels(view: str) -> tuple[str, ...]:
    """Names of the angle curves described by Fourier coefficients in ``view``."""
    segments = [s for s in WAVE_SEGMENTS if not (view == "front" and s == "foot")]
    return (*(f"{limb}_{s}" for limb in LIMBS for s in segments), *WAVE_AXIAL)


def wave_terms() -> tuple[tuple[str, str], ...]:
    """The descriptors of one curve: (name suffix, words), mean first, then each harmonic."""
    terms = [("mean", "mean over the cycle")]
    for h in range(1, WAVE_HARMONICS + 1):
        terms += [(f"h{h}cos", f"cosine coefficient of harmonic {h}"),
                  (f"h{h}sin", f"sine coefficient of harmonic {h}")]
    return tuple(terms)


def wave_parameter_name(channel: str, term: str) -> str:
    """Column name of one Fourier descriptor, e.g. ``wave_ipsi_knee_h1cos_deg``."""
    return f"wave_{channel}_{term}_deg"


def fourier_descriptors(curves: np.ndarray, n_harmonics: int = WAVE_HARMONICS) -> np.ndarray:
    """Mean and harmonic coefficients of curves sampled over one period.

    Parameters
    ----------
    curves : ndarray, shape (n_points, n_curves)
        Samples at phases k / n_points, k = 0 .. n_points - 1.
    n_harmonics : int

    Returns
    -------
    ndarray, shape (1 + 2 n_harmonics, n_curves)
        Rows: mean, then a_1, b_1, a_2, b_2, ... with
        curve(phase) ~ mean + sum_h a_h cos(2 pi h phase) + b_h sin(2 pi h phase).
    """
    n = curves.shape[0]
    spectrum = np.fft.rfft(curves, axis=0) / n
    rows = [spectrum[0].real]
    for h in range(1, n_harmonics + 1):
        rows += [2.0 * spectrum[h].real, -2.0 * spectrum[h].imag]
    return np.vstack(rows)


def wave_landmarks(channel: str, foot: str) -> tuple[int, ...]:
    """Landmarks of a channel in a cycle that starts with ``foot``'s heel strike."""
    if channel in WAVE_AXIAL:
        return WAVE_AXIAL[channel][0]
    limb, segment = channel.split("_", 1)
    side = foot if limb == "ipsi" else ("right" if foot == "left" else "left")
    return tuple(SIDE_LANDMARKS[side][p] for p in WAVE_SEGMENTS[segment][0])


def wave_angles(s: WalkSeries) -> dict[str, np.ndarray]:
    """Per-sample angle curves of one walk, by anatomical side: ``left_thigh``, ..., ``trunk``.

    Front view: the image x axis (the person's right) replaces the forward axis.
    """

    def make() -> dict[str, np.ndarray]:
        along = s.forward if s.walk.view == "side" else s.lateral
        up = s.vertical

        def seg(a: int, b: int) -> np.ndarray:
            return np.degrees(np.arctan2(along[:, b] - along[:, a], up[:, b] - up[:, a]))

        out: dict[str, np.ndarray] = {}
        for side, parts in SIDE_LANDMARKS.items():
            out[f"{side}_thigh"] = seg(parts["hip"], parts["knee"])
            out[f"{side}_shank"] = seg(parts["knee"], parts["ankle"])
            out[f"{side}_knee"] = out[f"{side}_thigh"] - out[f"{side}_shank"]
            out[f"{side}_foot"] = np.degrees(np.arctan2(
                up[:, parts["toe"]] - up[:, parts["heel"]],
                along[:, parts["toe"]] - along[:, parts["heel"]]))
            out[f"{side}_upper_arm"] = seg(parts["shoulder"], parts["elbow"])
            out[f"{side}_forearm"] = seg(parts["elbow"], parts["wrist"])
        sh = (along[:, lm.L_SHOULDER] + along[:, lm.R_SHOULDER]) / 2
        sh_up = (up[:, lm.L_SHOULDER] + up[:, lm.R_SHOULDER]) / 2
        hip = (along[:, lm.L_HIP] + along[:, lm.R_HIP]) / 2
        hip_up = (up[:, lm.L_HIP] + up[:, lm.R_HIP]) / 2
        out["trunk"] = np.degrees(np.arctan2(sh - hip, hip_up - sh_up))
        out["head"] = np.degrees(np.arctan2(along[:, lm.NOSE] - sh, sh_up - up[:, lm.NOSE]))
        return out

    return s.get("wave", make)


def wave_names(view: str) -> tuple[str, ...]:
    """Names of the view's Fourier descriptors, channel by channel, each channel's terms in
    :func:`wave_terms` order (the order of :func:`wave_values`)."""
    return tuple(wave_parameter_name(ch, term) for ch in wave_channels(view)
                 for term, _ in wave_terms())


def wave_values(c: CycleWindow) -> np.ndarray:
    """All Fourier descriptors of one cycle, shape (len(wave_names(view)),), degrees, in the
    order of :func:`wave_names` (computed once per cycle)."""
    return c.get("wave", lambda: _wave_values(c))


def _channel_matrix(s: WalkSeries, foot: str) -> tuple[np.ndarray, np.ndarray]:
    """The walk's angle curves as the channels of a cycle of ``foot``: shape (n_samples,
    n_channels), degrees, and each channel's sign, shape (n_channels,) (memoised per walk and
    foot)."""

    def make() -> tuple[np.ndarray, np.ndarray]:
        angles = wave_angles(s)
        other = "right" if foot == "left" else "left"
        # Front view: sideways angles signed so that outwards is positive for each limb, and
        # towards the ipsilateral side for the trunk and head (image x is the person's right).
        ipsi_sign = 1.0 if foot == "right" else -1.0
        columns, signs = [], []
        for ch in wave_channels(s.walk.view):
            if ch in WAVE_AXIAL:
                columns.append(angles[ch])
                signs.append(ipsi_sign)
            else:
                limb, segment = ch.split("_", 1)
                side = foot if limb == "ipsi" else other
                columns.append(angles[f"{side}_{segment}"])
                signs.append(1.0 if side == "right" else -1.0)
        return np.column_stack(columns), np.asarray(signs)

    return s.get(f"wavematrix-{foot}", make)


def _wave_values(c: CycleWindow) -> np.ndarray:
    s = c.series
    matrix, signs = _channel_matrix(s, c.cycle.foot)
    phases = np.linspace(c.cycle.start_s, c.cycle.end_s, WAVE_POINTS, endpoint=False)
    t = s.walk.time_s
    position = np.clip((phases - t[0]) * s.walk.sample_rate_hz, 0, t.size - 1)
    lo = np.minimum(np.floor(position).astype(int), t.size - 2) if t.size > 1 else np.zeros(
        WAVE_POINTS, int)
    frac = (position - lo)[:, None]
    hi = np.minimum(lo + 1, t.size - 1)
    curves = matrix[lo] * (1 - frac) + matrix[hi] * frac
    if s.walk.view == "front":
        curves = curves * signs[None, :]
    return fourier_descriptors(curves).T.ravel()  # (channel, term), channel by channel


def wave_visibility_landmarks(channel: str) -> tuple[int, ...]:
    """Landmarks of a channel for the catalogue (both sides: ipsi/contra are either)."""
    if channel in WAVE_AXIAL:
        return WAVE_AXIAL[channel][0]
    segment = channel.split("_", 1)[1]
    return tuple(sorted({SIDE_LANDMARKS[side][p] for side in SIDE_LANDMARKS
                         for p in WAVE_SEGMENTS[segment][0]}))

