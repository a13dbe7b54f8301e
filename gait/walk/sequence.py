"""Clean a keypoint sequence into a uniform, body-normalised walk.

Steps, in order (each documented where it is implemented):

1. aspect correction: x and z are multiplied by the frame's width/height ratio so that all
   three coordinates are in *frame heights* (normalised x is a fraction of the width);
2. implausible poses: frames whose leg-to-trunk proportion is far from the walk's (a body
   partly hidden or outside the frame, which MediaPipe still draws whole) are treated as
   frames without a person (:func:`gait.walk.body_proportions.implausible_poses`);
3. gaps: frames without a person shorter than ``max_gap_s`` are interpolated, longer gaps
   split the clip into segments (each cleaned on its own);
4. resampling onto a uniform time base of ``sample_rate_hz`` (so 25, 30 and 60 fps clips and
   dropped frames give the same answers);
5. label repair: in side views, MediaPipe often swaps the labels of the two legs for a few
   frames when they cross; labels are re-assigned by constant-velocity tracking. In front
   views it sometimes takes a person seen from behind for one facing the camera (or the
   reverse) for some frames, exchanging every left and right label at once; frames whose
   labels contradict the walking direction are relabelled (:func:`correct_facing`);
6. zero-phase Butterworth low-pass smoothing (``smooth_cutoff_hz``);
7. walking direction: walks are turned 180 degrees about the vertical axis (x and z negated,
   a rotation, so anatomical left and right stay true) where needed so that every side-view
   walk goes towards +x and every front-view walk goes away from the camera (+z);
8. body-scale normalisation: lengths are divided by the body length (trunk + leg) fitted
   smoothly over time, which also removes the perspective growth of a person walking towards
   the camera;
9. walking angle: how far the walk turns from the view's axis, read from the perspective
   growth against the travel across the frame (:func:`walking_angle_deg`); in side views the
   foreshortening of the walking direction can be undone (``undo_foreshortening``).

Once the heel strikes are known, the side view's leg and arm labels are repaired again where
the strikes contradict them (:func:`repair_limb_labels`, called by
:func:`gait.walk.cycles.analyse_gait`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from functools import lru_cache

import numpy as np
from scipy import signal

from gait.media import landmarks as lm
from gait.media.keypoints import KeypointSequence
from gait.walk.body_proportions import body_length, implausible_poses

LEG_CHAIN_LEFT = (lm.L_KNEE, lm.L_ANKLE, lm.L_HEEL, lm.L_FOOT)
LEG_CHAIN_RIGHT = (lm.R_KNEE, lm.R_ANKLE, lm.R_HEEL, lm.R_FOOT)
ARM_CHAIN_LEFT = (lm.L_SHOULDER, lm.L_ELBOW, lm.L_WRIST, lm.L_PINKY, lm.L_INDEX, lm.L_THUMB)
ARM_CHAIN_RIGHT = (lm.R_SHOULDER, lm.R_ELBOW, lm.R_WRIST, lm.R_PINKY, lm.R_INDEX, lm.R_THUMB)
# A strike contradicts the limb labels when its labelled heel is behind the other by more than
# this share of the walk's median heel separation at the strikes (a level pair says nothing).
STRIKE_LEAD_MARGIN = 0.25
# Shortest left-right separation, as a share of the clip's median, that :func:`correct_facing`
# trusts.
FACING_MARGIN = 0.5


@dataclass(frozen=True)
class CleanSettings:
    """How a keypoint sequence is cleaned.

    Attributes
    ----------
    sample_rate_hz : float
        Uniform time base every clip is resampled to.
    max_gap_s : float
        Longest run of frames without a person that is interpolated; longer gaps split.
    min_segment_s : float
        Segments shorter than this are dropped (they cannot hold a gait cycle).
    smooth_cutoff_hz : float
        Cut-off of the zero-phase 4th-order Butterworth low-pass filter (6 Hz is the usual
        choice for walking kinematics).
    untangle_legs : bool
        Re-assign swapped leg labels in side views.
    correct_facing : bool
        Relabel front-view frames whose left and right contradict the walking direction.
    max_proportion_log_deviation : float
        Frames whose leg-to-trunk length ratio differs from the walk's by more than this
        (natural log; 0.3 is a factor of 1.35) are left out as implausible poses
        (:func:`gait.walk.body_proportions.implausible_poses`); 0 keeps every frame.
    undo_foreshortening : bool
        Side views: divide the forward coordinate by the cosine of the walking angle, so that
        a walk at an angle to the image plane gives the step lengths of a walk across it
        (depth is left as it is). Off by default: measured on the shared data (enrolled on
        ``enrol/``, seeds 42, 1, 2, 3) it left rank-1 across sessions at 95.0 % and moved
        the walks at an angle of ``evidence_covariates_dev/`` from 50 % to 40 % (all its
        covariate clips 39.2 % -> 35.8 %): the oblique view changes more than the lengths.
    """

    sample_rate_hz: float = 30.0
    max_gap_s: float = 0.3
    min_segment_s: float = 0.8
    smooth_cutoff_hz: float = 6.0
    untangle_legs: bool = True
    correct_facing: bool = True
    max_proportion_log_deviation: float = 0.3
    undo_foreshortening: bool = False

    def __post_init__(self) -> None:
        if not 10.0 <= self.sample_rate_hz <= 240.0:
            raise ValueError("sample_rate_hz must be between 10 and 240")
        if self.max_gap_s < 0 or self.min_segment_s <= 0:
            raise ValueError("max_gap_s must be >= 0 and min_segment_s > 0")
        if not self.max_proportion_log_deviation >= 0:
            raise ValueError("max_proportion_log_deviation must be >= 0")
        if not 0.5 <= self.smooth_cutoff_hz < self.sample_rate_hz / 2:
            raise ValueError("smooth_cutoff_hz must be in [0.5, sample_rate_hz / 2)")

    def to_dict(self) -> dict[str, float | bool]:
        """Settings as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class CleanWalk:
    """One contiguous, cleaned stretch of walking.

    Attributes
    ----------
    time_s : ndarray, shape (n,)
        Uniform sample times in seconds since the clip's first frame.
    xyz_bl : ndarray, shape (n, 33, 3)
        Landmarks relative to the pelvis (mid-hip), in body lengths, in the canonical frame:
        side view, x forward along the walk; front view, z forward (away from the camera) and
        x to the person's right; y down in both.
    pelvis_bl : ndarray, shape (n, 3)
        Pelvis trajectory in body lengths relative to its first sample (same axes).
    visibility : ndarray, shape (n, 33)
        Landmark visibility in [0, 1] (interpolated).
    body_length_fh : ndarray, shape (n,)
        Body length (trunk + leg) in frame heights, smooth in time.
    view : str
        ``"side"`` or ``"front"``.
    direction : str
        Walking direction in the original image: ``left``/``right`` (side) or
        ``front`` (towards the camera)/``back`` (away).
    mirrored : bool
        Whether x and z were negated to bring the walk into the canonical direction.
    sample_rate_hz : float
        Sampling rate of every array.
    relabelled_fraction : float
        Share of the samples, in [0, 1], whose left/right labels the cleaning exchanged
        (:func:`untangle_legs` for side views, :func:`correct_facing` for front views; the
        side view's later repair by the heel strikes, :func:`repair_limb_labels`, is not
        counted).
    walking_angle_deg : float
        Angle in degrees, in [0, 90], between the walk and the image plane (side view) or the
        camera's axis (front view); see :func:`walking_angle_deg`.
    """

    time_s: np.ndarray
    xyz_bl: np.ndarray
    pelvis_bl: np.ndarray
    visibility: np.ndarray
    body_length_fh: np.ndarray
    view: str
    direction: str
    mirrored: bool
    sample_rate_hz: float
    relabelled_fraction: float = 0.0
    walking_angle_deg: float = 0.0

    def __post_init__(self) -> None:
        n = self.time_s.shape[0]
        if self.xyz_bl.shape != (n, lm.N_LANDMARKS, 3):
            raise ValueError(f"xyz_bl must have shape ({n}, 33, 3), got {self.xyz_bl.shape}")
        if self.pelvis_bl.shape != (n, 3) or self.visibility.shape != (n, lm.N_LANDMARKS):
            raise ValueError("pelvis_bl and visibility must match time_s")
        if self.view not in ("side", "front"):
            raise ValueError(f"view must be 'side' or 'front', got {self.view!r}")
        if not 0.0 <= self.walking_angle_deg <= 90.0:
            raise ValueError(f"walking_angle_deg must lie in [0, 90], got "
                             f"{self.walking_angle_deg}")
        if not 0.0 <= self.relabelled_fraction <= 1.0:
            raise ValueError(f"relabelled_fraction must lie in [0, 1], got "
                             f"{self.relabelled_fraction}")

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.time_s.shape[0])

    @property
    def duration_s(self) -> float:
        """Length of the stretch in seconds."""
        return self.n_samples / self.sample_rate_hz


def _split_runs(time_s: np.ndarray, max_gap_s: float) -> list[np.ndarray]:
    """Index arrays of runs whose consecutive samples are at most ``max_gap_s`` apart."""
    if time_s.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(time_s) > max_gap_s + 1e-9) + 1
    return np.split(np.arange(time_s.size), breaks)


def interpolate(time_s: np.ndarray, values: np.ndarray, grid_s: np.ndarray) -> np.ndarray:
    """Linear interpolation of every column of ``values`` at ``grid_s``: exactly ``np.interp``
    column by column (its formula and its edge rules), for all columns at once.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Strictly increasing sample times, s.
    values : ndarray, shape (n, ...)
    grid_s : ndarray, shape (m,)
        Times to interpolate at, s; outside ``time_s`` the first or last value is held.

    Returns
    -------
    ndarray, shape (m, ...)
    """
    flat = values.reshape(values.shape[0], -1).astype(np.float64, copy=False)
    last = time_s.size - 1
    j = np.clip(np.searchsorted(time_s, grid_s, side="right") - 1, 0, last)
    out = flat[j]  # held ends, and grid times that fall on a sample
    between = (grid_s > time_s[0]) & (grid_s < time_s[last]) & (time_s[j] != grid_s)
    k = j[between]
    x = grid_s[between][:, None]
    lo, hi = flat[k], flat[k + 1]
    with np.errstate(invalid="ignore"):
        slope = (hi - lo) / (time_s[k + 1] - time_s[k])[:, None]
        inner = slope * (x - time_s[k][:, None]) + lo
        # np.interp's rules where that is NaN (an infinite value): from the right-hand end,
        # and where both ends agree, their value.
        from_right = slope * (x - time_s[k + 1][:, None]) + hi
    inner = np.where(np.isnan(inner), from_right, inner)
    inner = np.where(np.isnan(inner) & (lo == hi), lo, inner)
    out[between] = inner
    return out.reshape((grid_s.size, *values.shape[1:]))


def untangle_legs(xyz: np.ndarray) -> np.ndarray:
    """Undo left/right leg label swaps by constant-velocity tracking.

    Parameters
    ----------
    xyz : ndarray, shape (n, 33, 3)
        Landmarks on a uniform time base.

    Returns
    -------
    ndarray, shape (n, 33, 3)
        A copy in which, frame by frame, the knee/ankle/heel/foot labels of the two legs
        are kept or exchanged, whichever lies closer to the positions predicted from the two
        previous frames. The overall labelling is then chosen to agree with the input on
        most frames.
    """
    left, right = list(LEG_CHAIN_LEFT), list(LEG_CHAIN_RIGHT)
    n = xyz.shape[0]
    # Frame by frame in plain floats: the decisions are sequential, and NumPy's per-call cost
    # on eight numbers was most of the time.
    raw_l = xyz[:, left, :2].reshape(n, -1).tolist()
    raw_r = xyz[:, right, :2].reshape(n, -1).tolist()
    track_l, track_r = raw_l[:1], raw_r[:1]  # the image positions under the labels kept
    swapped = np.zeros(n, dtype=bool)
    for t in range(1, n):
        if t >= 2:
            pred_l = [2 * a - b for a, b in zip(track_l[-1], track_l[-2], strict=True)]
            pred_r = [2 * a - b for a, b in zip(track_r[-1], track_r[-2], strict=True)]
        else:
            pred_l, pred_r = track_l[0], track_r[0]
        cur_l, cur_r = raw_l[t], raw_r[t]
        keep = math.dist(cur_l, pred_l) + math.dist(cur_r, pred_r)
        swap = math.dist(cur_l, pred_r) + math.dist(cur_r, pred_l)
        if swap < keep:
            swapped[t] = True
            cur_l, cur_r = cur_r, cur_l
        track_l.append(cur_l)
        track_r.append(cur_r)
    out = xyz.copy()
    out[np.ix_(swapped, np.array(left + right))] = xyz[swapped][:, right + left]
    if 2 * swapped.sum() > n:  # the tracker's labelling disagrees with most raw frames
        out[:, left + right] = out[:, right + left]
    return out


def repair_limb_labels(walk: CleanWalk, heel_strike_s: dict[str, np.ndarray],
                       legs: bool = True, arms: bool = True) -> CleanWalk:
    """Side view: exchange the leg (and arm) labels where the heel strikes contradict them.

    :func:`untangle_legs` follows the legs from frame to frame, and where they cross (mid
    swing, when knees and feet overlap) it can take one for the other and keep the wrong
    labels until the next such error; MediaPipe's arm labels are not tracked at all. The heel
    strikes know better: they are found without the labels and alternate between the feet
    (:func:`gait.walk.cycles.detect_events`), and at each strike the striking heel is the
    front one, by a wide margin (half a body length on the shared data), while the wrist on
    the striking foot's side is usually the rear one (arms swing against the legs). Around a
    strike whose labelled heel is behind, from the middle of the step before it to the middle
    of the step after it (where the legs cross), the leg labels (knee, ankle, heel, toe) are
    exchanged. Arms swing far less, and one of them may hardly swing at all, so a single
    strike says little about them: with ``arms``, the arm labels (shoulder to fingers) of the
    whole walk are exchanged when more strikes contradict them than agree. A pair level
    within :data:`STRIKE_LEAD_MARGIN` of the walk's median separation at the strikes says
    nothing either way. Measured on the shared side-view cycles: the same-side thigh's first
    harmonic was in the opposite phase (the legs' labels exchanged for the cycle) in 13 % of
    the enrolment cycles and 23 % of another day's before this, 0.3 % and none after; the
    same-side upper arm's in 12.4 % and 15.1 %, and 9.8 % and 11.0 % with ``arms``.

    Parameters
    ----------
    walk : CleanWalk
        A cleaned side-view walk (forward is +x of ``xyz_bl``).
    heel_strike_s : dict of str to ndarray
        Heel strike times per labelled foot (``"left"``, ``"right"``), seconds.
    legs, arms : bool
        Whether the legs, and the arms, are repaired.

    Returns
    -------
    CleanWalk
        ``walk`` itself when no strike contradicts its labels, otherwise a copy with the
        labels exchanged in those windows (visibility scores with them).
    """
    left = np.asarray(heel_strike_s.get("left", []), dtype=float)
    right = np.asarray(heel_strike_s.get("right", []), dtype=float)
    times = np.concatenate([left, right])
    if walk.view != "side" or times.size < 2:
        return walk
    order = np.argsort(times)
    left_foot = np.concatenate([np.ones(left.size, bool), np.zeros(right.size, bool)])[order]
    index = np.clip(np.searchsorted(walk.time_s, times[order]), 0, walk.n_samples - 1)

    def contradicting(left_end: int, right_end: int, striking_side_leads: bool
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Per strike: whether the labelled pair contradicts it, and whether it agrees."""
        lead = walk.xyz_bl[index, left_end, 0] - walk.xyz_bl[index, right_end, 0]
        lead = lead if striking_side_leads else -lead
        margin = STRIKE_LEAD_MARGIN * np.nanmedian(np.abs(lead))
        return (np.where(left_foot, lead < -margin, lead > margin),
                np.where(left_foot, lead > margin, lead < -margin))

    legs_swapped = np.zeros(walk.n_samples, dtype=bool)
    if legs:  # around each contradicting strike, from mid step to mid step
        bounds = np.concatenate([[0], (index[:-1] + index[1:]) // 2, [walk.n_samples]])
        for k in np.flatnonzero(contradicting(lm.L_HEEL, lm.R_HEEL, True)[0]):
            legs_swapped[bounds[k]:bounds[k + 1]] = True
    arms_swapped = False
    if arms:  # one decision for the walk, by the majority of the strikes
        contradicts, agrees = contradicting(lm.L_WRIST, lm.R_WRIST, False)
        arms_swapped = bool(contradicts.sum() > agrees.sum())
    if not legs_swapped.any() and not arms_swapped:
        return walk
    permutation = np.tile(np.arange(lm.N_LANDMARKS), (walk.n_samples, 1))
    for rows, chain_l, chain_r in ((legs_swapped, LEG_CHAIN_LEFT, LEG_CHAIN_RIGHT),
                                   (np.full(walk.n_samples, arms_swapped),
                                    ARM_CHAIN_LEFT, ARM_CHAIN_RIGHT)):
        permutation[np.ix_(rows, np.asarray(chain_l + chain_r))] = np.asarray(chain_r + chain_l)
    samples = np.arange(walk.n_samples)[:, None]
    return replace(walk, xyz_bl=walk.xyz_bl[samples, permutation],
                   visibility=walk.visibility[samples, permutation])


def correct_facing(xyz: np.ndarray, vis: np.ndarray, towards_camera: bool
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Exchange every left and right label in the frames where they contradict the facing.

    A person walking towards the camera faces it, so their right shoulder and right hip are
    on the image's left (smaller x) of their left ones; walking away, on its right. MediaPipe
    sometimes flips its guess of the facing for some frames (mostly for a person seen from
    behind: on the shared data, 10 % of the frames of another day's walks away from the
    camera, none of the first day's), which moves every left landmark to the right side of
    the body. Such frames get all their left/right labels exchanged back. Frames in which the
    left and right shoulders and hips lie closer together than half their clip's median
    separation are left alone: there the person is turned sideways (turning round at the
    start of a walk, say), and the order says little.

    Parameters
    ----------
    xyz : ndarray, shape (n, 33, 3)
        Landmarks (x to the image's right).
    vis : ndarray, shape (n, 33)
        Their visibility scores (exchanged along with them).
    towards_camera : bool
        Whether the person walks towards the camera.

    Returns
    -------
    xyz, vis : ndarray
        Relabelled copies, same shapes.
    """
    right_minus_left = (xyz[:, lm.R_SHOULDER, 0] - xyz[:, lm.L_SHOULDER, 0]
                        + xyz[:, lm.R_HIP, 0] - xyz[:, lm.L_HIP, 0])
    clear = np.abs(right_minus_left) > FACING_MARGIN * np.median(np.abs(right_minus_left))
    flipped = clear & (right_minus_left > 0 if towards_camera else right_minus_left < 0)
    swap = list(lm.LEFT_RIGHT_SWAP)
    xyz, vis = xyz.copy(), vis.copy()
    xyz[flipped] = xyz[flipped][:, swap]
    vis[flipped] = vis[flipped][:, swap]
    return xyz, vis


def zero_phase_filter(values: np.ndarray, order: int, cutoff_hz: float | tuple[float, float],
                      kind: str, sample_rate_hz: float) -> np.ndarray:
    """A Butterworth filter run forwards and backwards along axis 0.

    Exactly ``scipy.signal.sosfiltfilt(sos, values, axis=0)`` (odd extension of
    3 (2 n_sections + 1) samples at each end), with the filter's design and its steady-state
    initial conditions computed once per setting: the walks of a data set have a few sample
    rates, and designing the filter cost more than running it.

    Parameters
    ----------
    values : ndarray, shape (n_samples, ...)
    order : int
    cutoff_hz : float or (float, float)
        Cut-off, or band edges for ``kind="bandpass"``, Hz.
    kind : str
        ``"lowpass"``, ``"highpass"``, ``"bandpass"`` or ``"bandstop"``.
    sample_rate_hz : float

    Returns
    -------
    ndarray, the shape of ``values``

    Raises
    ------
    ValueError
        When ``values`` has no more samples than the extension.
    """
    sos, initial = _butterworth_design(order, cutoff_hz, kind, sample_rate_hz)
    n_sections = sos.shape[0]
    n_taps = 2 * n_sections + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    edge = 3 * n_taps
    if values.shape[0] <= edge:
        raise ValueError(f"{values.shape[0]} samples are too few to filter (more than {edge} "
                         "needed)")
    extended = np.concatenate((2 * values[:1] - values[edge:0:-1], values,
                               2 * values[-1:] - values[-2:-(edge + 2):-1]))
    state = initial.reshape((n_sections, 2) + (1,) * (values.ndim - 1))
    forward, _ = signal.sosfilt(sos, extended, axis=0, zi=state * extended[:1])
    backward, _ = signal.sosfilt(sos, forward[::-1], axis=0, zi=state * forward[-1:])
    return np.asarray(backward[::-1][edge:-edge])


@lru_cache(maxsize=64)
def _butterworth_design(order: int, cutoff_hz: float | tuple[float, float], kind: str,
                        sample_rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Second-order sections, shape (n_sections, 6), and their steady-state initial
    conditions for a unit step, shape (n_sections, 2)."""
    sos = np.asarray(signal.butter(order, cutoff_hz, kind, fs=sample_rate_hz, output="sos"))
    return sos, signal.sosfilt_zi(sos)


def _lowpass(values: np.ndarray, sample_rate_hz: float, cutoff_hz: float) -> np.ndarray:
    """Zero-phase 4th-order Butterworth low-pass along axis 0 (short inputs pass through)."""
    if values.shape[0] <= 27:  # too short to filter
        return values
    return zero_phase_filter(values, 4, cutoff_hz, "lowpass", sample_rate_hz)


def implausible_pose_fraction(sequence: KeypointSequence,
                              settings: CleanSettings | None = None) -> float:
    """Share of the frames with a person, in [0, 1], that :func:`clean_walks` leaves out as
    implausible poses (:func:`gait.walk.body_proportions.implausible_poses`); 0 when the
    check is off."""
    settings = settings or CleanSettings()
    if settings.max_proportion_log_deviation <= 0:
        return 0.0
    _, xyz, _ = _detected_frames(sequence)
    if xyz.shape[0] == 0:
        return 0.0
    return float(implausible_poses(xyz, settings.max_proportion_log_deviation).mean())


def _detected_frames(sequence: KeypointSequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The frames with a person: times in s, shape (n,); landmarks in frame heights (x and z
    multiplied by the width/height ratio), shape (n, 33, 3), float64; visibilities clipped to
    [0, 1], shape (n, 33)."""
    detected = sequence.detected
    xyzv = sequence.xyzv[detected].astype(np.float64)
    aspect = sequence.aspect_ratio
    return (sequence.time_s[detected], xyzv[..., :3] * np.array([aspect, 1.0, aspect]),
            np.clip(xyzv[..., 3], 0.0, 1.0))


def _smooth_scale(time_s: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Fit log(length) with a quadratic in time (robust to gait-phase wobble and outliers)."""
    if length.size < 5:
        return np.full_like(length, np.median(length))
    log_len = np.log(np.maximum(length, 1e-6))
    centred = time_s - time_s.mean()
    weights = np.ones_like(log_len)
    for _ in range(3):  # iteratively reweighted fit: down-weight frames far off the curve
        coef = np.polyfit(centred, log_len, deg=2 if time_s.ptp() > 1.5 else 1, w=weights)
        resid = log_len - np.polyval(coef, centred)
        mad = np.median(np.abs(resid)) + 1e-6
        weights = 1.0 / np.maximum(1.0, np.abs(resid) / (2.5 * mad))
    return np.asarray(np.exp(np.polyval(coef, centred)))


def walking_angle_deg(pelvis_x_fh: np.ndarray, body_length_fh: np.ndarray, focal_fh: float,
                      view: str) -> float:
    """Angle between a walk and the image plane (side view) or the camera's axis (front).

    A pinhole camera shows a person of body length ``B`` at depth ``Z`` and across-position
    ``X`` at ``x = f X / Z``, ``L = f B / Z`` frame heights long: ``x / L = X / B`` and
    ``f / L = Z / B`` are their position across and in depth, in body lengths, exactly. The
    travel in each (least-squares lines over the walk) gives the angle.

    Parameters
    ----------
    pelvis_x_fh : ndarray, shape (n,)
        Horizontal image position of the pelvis relative to the frame centre, in frame
        heights.
    body_length_fh : ndarray, shape (n,)
        Body length, smooth in time, in frame heights (positive).
    focal_fh : float
        Focal length in frame heights (a lens with a 53 degree horizontal field of view has
        the frame's width-to-height ratio).
    view : {"side", "front"}

    Returns
    -------
    float
        Degrees in [0, 90]; 0 for fewer than two samples.
    """
    ok = np.isfinite(pelvis_x_fh) & np.isfinite(body_length_fh) & (body_length_fh > 0)
    if ok.sum() < 2:
        return 0.0
    t = np.flatnonzero(ok).astype(float)
    span = t[-1] - t[0]
    across = np.polyfit(t, pelvis_x_fh[ok] / body_length_fh[ok], 1)[0] * span
    depth = np.polyfit(t, focal_fh / body_length_fh[ok], 1)[0] * span
    if view == "side":
        return float(np.degrees(np.arctan2(abs(depth), abs(across))))
    return float(np.degrees(np.arctan2(abs(across), abs(depth))))


def _walking_direction(view: str, pelvis_x: np.ndarray, scale: np.ndarray) -> str:
    """``left``/``right`` from the pelvis's horizontal travel (side), ``front``/``back`` from
    whether the body grows (towards the camera) or shrinks (front)."""
    if view == "side":
        return "right" if pelvis_x[-1] >= pelvis_x[0] else "left"
    return "front" if scale[-1] >= scale[0] else "back"


def clean_walks(
    sequence: KeypointSequence, view: str, settings: CleanSettings | None = None
) -> list[CleanWalk]:
    """Clean a keypoint sequence into uniform, normalised walking stretches.

    Parameters
    ----------
    sequence : KeypointSequence
        Raw MediaPipe landmarks of one clip.
    view : {"side", "front"}
        Camera view the clip was filmed from.
    settings : CleanSettings, optional
        Cleaning settings (defaults documented on :class:`CleanSettings`).

    Returns
    -------
    list of CleanWalk
        One per stretch of at least ``min_segment_s`` without a long gap, in time order; empty
        when the clip has no such stretch.
    """
    settings = settings or CleanSettings()
    if view not in ("side", "front"):
        raise ValueError(f"view must be 'side' or 'front', got {view!r}")
    time_all, xyz, vis = _detected_frames(sequence)
    if time_all.size == 0:
        return []
    aspect = sequence.aspect_ratio
    if settings.max_proportion_log_deviation > 0:
        plausible = ~implausible_poses(xyz, settings.max_proportion_log_deviation)
        time_all, xyz, vis = time_all[plausible], xyz[plausible], vis[plausible]
    walks = []
    for run in _split_runs(time_all, settings.max_gap_s):
        t = time_all[run]
        if t[-1] - t[0] < settings.min_segment_s:
            continue
        step = 1.0 / settings.sample_rate_hz
        grid = np.arange(t[0], t[-1] + step / 2, step)
        walks.append(_clean_run(grid, interpolate(t, xyz[run], grid),
                                interpolate(t, vis[run], grid), view, settings, aspect))
    return walks


def _clean_run(
    grid_s: np.ndarray, xyz: np.ndarray, vis: np.ndarray, view: str, settings: CleanSettings,
    focal_fh: float,
) -> CleanWalk:
    """One run of :func:`clean_walks`; ``focal_fh`` is the focal length assumed for the
    walking angle (the frame's width-to-height ratio: its centre is at ``focal_fh / 2``)."""
    raw = xyz
    if view == "side" and settings.untangle_legs:
        xyz = untangle_legs(xyz)
    if view == "front" and settings.correct_facing:
        # Neither the body length nor the pelvis depends on the left/right labels, so the
        # walking direction can be read before the labels are repaired.
        pelvis_x = (xyz[:, lm.L_HIP, 0] + xyz[:, lm.R_HIP, 0]) / 2
        towards = _walking_direction(view, pelvis_x,
                                     _smooth_scale(grid_s, body_length(xyz))) == "front"
        xyz, vis = correct_facing(xyz, vis, towards_camera=towards)
    same = (xyz == raw) | (np.isnan(xyz) & np.isnan(raw))
    relabelled = ~np.all(same, axis=(1, 2))
    xyz = _lowpass(xyz, settings.sample_rate_hz, settings.smooth_cutoff_hz)
    pelvis = (xyz[:, lm.L_HIP] + xyz[:, lm.R_HIP]) / 2
    scale = _smooth_scale(grid_s, body_length(xyz))
    direction = _walking_direction(view, pelvis[:, 0], scale)
    mirrored = direction in ("left", "front")
    sign = np.array([-1.0, 1.0, -1.0]) if mirrored else np.ones(3)
    rel = (xyz - pelvis[:, None, :]) * sign / scale[:, None, None]
    pelvis_bl = (pelvis - pelvis[0]) * sign / scale[:, None]
    angle = walking_angle_deg(pelvis[:, 0] - focal_fh / 2, scale, focal_fh, view)
    if view == "side" and settings.undo_foreshortening:
        stretch = 1.0 / np.cos(np.radians(min(angle, 60.0)))
        rel[..., 0] *= stretch
        pelvis_bl[:, 0] *= stretch
    return CleanWalk(
        time_s=grid_s,
        xyz_bl=rel,
        pelvis_bl=pelvis_bl,
        visibility=vis,
        body_length_fh=scale,
        view=view,
        direction=direction,
        mirrored=mirrored,
        sample_rate_hz=settings.sample_rate_hz,
        relabelled_fraction=float(relabelled.mean()),
        walking_angle_deg=angle,
    )
