"""Augmented copies of a walk for training: the same walker in other clothes, carrying
something, at another angle, seen by another camera, on another day.

A copy of a keypoint sequence has its torso and arm landmarks moved as a coat moves them,
one or both arms' swing damped as a bag or a coat damps it, the body turned about its
vertical axis as when walking at an angle to the camera (:func:`dress_and_turn`); it is then
seen by a camera turned about its centre (an exact homography), rolled, with another
height-to-width ratio, and played slightly faster or slower (:func:`perturb_sequence`); in
short runs of its frames the body can be drawn turned sideways, as MediaPipe draws a person
walking away while it changes its guess of which way they face (:func:`flicker_facing`).
A copy of a walk's per-cycle parameters can have the legs' joint-angle excursions shrunk, as a
coat or a load shrinks them (:func:`excursion_copies`).
:class:`AugmentSettings` holds the ranges.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

import numpy as np
import pandas as pd

from gait.media.keypoints import KeypointSequence
from gait.media.landmarks import L_ANKLE, L_HIP, L_SHOULDER, NOSE, R_ANKLE, R_HIP, R_SHOULDER
from gait.walk.waveforms import LIMBS, wave_parameter_name, wave_terms

# Landmarks a coat's outline moves (shoulders, elbows, wrists, hands, hips, knees) and the
# landmarks of each arm below the shoulder (elbow, wrist, pinky, index, thumb).
_CLOTHED = np.arange(11, 27)
_ARMS = ((L_SHOULDER, np.array([13, 15, 17, 19, 21])), (R_SHOULDER, np.array([14, 16, 18, 20, 22])))


@dataclass(frozen=True)
class AugmentSettings:
    """Random perturbations of training clips (geometric and temporal augmentation).

    Each copy of a clip is seen by a camera turned by up to ``turn_deg`` (tilt and pan), is
    turned in the image plane by up to ``rotation_deg``, its height-to-width ratio changed by
    up to ``aspect_frac`` and its time axis stretched by up to ``time_frac`` (uniformly
    random, log-scale), before the gait analysis: another camera (aim, roll, lens, pixel
    aspect) and another day's walking pace, so that the network does not rely on details
    that change with them.

    Attributes
    ----------
    copies : int
        Perturbed copies of every training clip (0: no augmentation).
    rotation_deg, aspect_frac, time_frac : float
    seed : int
    turn_deg : float
        Largest turn of the camera away from its original aim, up or down (tilt) and left or
        right (pan), each uniformly random: the perspective change of a camera mounted
        differently, exact for a camera turning about its centre (a homography that does not
        depend on the scene's depth), for a lens with a 53 degree horizontal field of view.
    clothing_bl : float
        Standard deviation, in body heights, of a constant random shift of each landmark a
        coat's outline moves (shoulders, elbows, wrists, hands, hips, knees): MediaPipe
        places them on the clothes' outline, which changes the trunk, arm and hip
        proportions and the arms' mean angles, not the walk's rhythm.
    arm_damping : float
        Largest reduction of an arm's swing about its mean position relative to the
        shoulder (0: none, 1: the arm held still, as when carrying a bag): each arm's swing
        is scaled by a factor drawn uniformly in ``[1 - arm_damping, 1]``.
    hip_drop_bl : float
        Largest drop, in body heights, of both hip landmarks together (drawn uniformly from
        0): under a coat MediaPipe places the hips lower on the body. Shared data, S13 and
        S14 in a coat against their normal walks of the same day: the rest of the body
        sits 0.03-0.065 body lengths higher relative to the mid-hip (nose and shoulders in
        both views, the feet too in front views).
    covariate_shift : float
        Largest multiple of each shipped covariate shift (bag, coat, angle) by which a
        feature-space copy of every training cycle is moved
        (:func:`gait.walk.covariate_shift.shifted_copies`); 0: none.
    yaw_deg : float
        Largest turn of the body about its vertical axis through the hips (walking at an
        angle to the camera), using MediaPipe's depth ``z``: the body is seen obliquely and
        its travel across the frame foreshortened by the cosine of the angle.
    excursion_damping : float
        Largest reduction of the legs' joint-angle excursions in a feature-space copy of
        every training cycle (:func:`excursion_copies`; 0: no copy).
    facing_flicker_share : float
        Expected share of a copy's frames in which the body is drawn turned sideways
        (:func:`flicker_facing`), in [0, 1); 0: none.
    """

    copies: int = 3
    rotation_deg: float = 5.0
    aspect_frac: float = 0.1
    time_frac: float = 0.1
    seed: int = 7
    turn_deg: float = 10.0
    clothing_bl: float = 0.0
    arm_damping: float = 0.0
    yaw_deg: float = 0.0
    hip_drop_bl: float = 0.0
    covariate_shift: float = 0.0
    excursion_damping: float = 0.0
    facing_flicker_share: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.facing_flicker_share < 1:
            raise ValueError("facing_flicker_share must be in [0, 1)")

    def key(self) -> tuple[float, ...]:
        """Every setting, in field order (a new field cannot be left out of the cache key)."""
        return astuple(self)


def turn_camera(x: np.ndarray, y: np.ndarray, tilt_rad: float, pan_rad: float,
                focal: float) -> tuple[np.ndarray, np.ndarray]:
    """Where image points move when the camera turns about its centre.

    Parameters
    ----------
    x, y : ndarray, same shape
        Image coordinates relative to the principal point (frame centre), in the units of
        ``focal`` (y down).
    tilt_rad, pan_rad : float
        Camera turn about its horizontal axis, then about its vertical axis (radians).
    focal : float
        Focal length in the units of ``x`` and ``y``.

    Returns
    -------
    x, y : ndarray
        The points in the turned camera's image (the homography K R K^-1).
    """
    ct, st, cp, sp = np.cos(tilt_rad), np.sin(tilt_rad), np.cos(pan_rad), np.sin(pan_rad)
    rotation = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]]) @ np.array(
        [[1.0, 0.0, 0.0], [0.0, ct, -st], [0.0, st, ct]])
    rays = np.stack([x / focal, y / focal, np.ones_like(x)], axis=-1) @ rotation.T
    return focal * rays[..., 0] / rays[..., 2], focal * rays[..., 1] / rays[..., 2]


def perturb_sequence(sequence: KeypointSequence, rng: np.random.Generator,
                     settings: AugmentSettings) -> KeypointSequence:
    """A randomly dressed, turned (:func:`dress_and_turn`), then rotated, aspect-changed
    and time-stretched copy of a keypoint sequence.

    The rotation and the aspect change act about the frame centre on coordinates in frame
    heights (x times the aspect ratio), so they are true image-plane transformations; depth
    follows the x scaling; the time stretch scales the frame rate. The facing flicker comes
    last, in the copy's image, and draws from ``rng`` only when its share is positive.
    """
    xyzv = dress_and_turn(sequence, rng, settings).xyzv.astype(np.float64)
    aspect = sequence.aspect_ratio
    x, y = (xyzv[..., 0] - 0.5) * aspect, xyzv[..., 1] - 0.5
    angle = np.radians(rng.uniform(-settings.rotation_deg, settings.rotation_deg))
    stretch = np.exp(rng.uniform(-settings.aspect_frac, settings.aspect_frac))
    tempo = np.exp(rng.uniform(-settings.time_frac, settings.time_frac))
    if settings.turn_deg > 0:
        tilt, pan = np.radians(rng.uniform(-settings.turn_deg, settings.turn_deg, size=2))
        x, y = turn_camera(x, y, tilt, pan, focal=aspect)
    cos, sin = np.cos(angle), np.sin(angle)
    out = xyzv.copy()
    out[..., 0] = (cos * x - sin * y) * np.sqrt(stretch) / aspect + 0.5
    out[..., 1] = (sin * x + cos * y) / np.sqrt(stretch) + 0.5
    out[..., 2] = xyzv[..., 2] * np.sqrt(stretch)
    if settings.facing_flicker_share > 0:
        out = flicker_facing(out, rng, settings.facing_flicker_share)
    return KeypointSequence(out.astype(np.float32), sequence.frame_index,
                            float(sequence.fps) * tempo, sequence.frame_size_px)


def flicker_facing(xyzv: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """Landmarks with the body drawn turned sideways in short runs of frames.

    Where MediaPipe changes its guess of which way a person walking away from the camera
    faces, it draws them turned sideways for a few frames: the left and right landmarks move
    towards the body's midline (on the second day of the shared data's walks away, 9.9 % of
    the frames have shoulders and hips narrowed so, against 0.1 % on the first day; in S13's
    walk ``S13_front_back_normal_1`` the hips keep mostly 0.3-0.6 of their width there, down
    to a tenth where the guess turns over).
    A copy with such frames teaches the network that they say nothing about the walker.

    Parameters
    ----------
    xyzv : ndarray, shape (n_frames, 33, 4)
        Landmarks, x in frame widths (NaN where unknown).
    rng : numpy.random.Generator
    share : float
        Expected share of the frames drawn turned: runs of 2 to 6 frames (uniformly), as many
        as ``share * n_frames / 4`` on average (Poisson), each with every landmark's
        horizontal distance from the mid-hip scaled by one factor drawn uniformly in
        [0.05, 0.6].

    Returns
    -------
    ndarray
        A copy, same shape; y, z and visibility unchanged.
    """
    out = np.array(xyzv, dtype=np.float64, copy=True)
    n_frames = out.shape[0]
    for _ in range(rng.poisson(share * n_frames / 4)):
        start = int(rng.integers(0, n_frames))
        run = slice(start, start + int(rng.integers(2, 7)))
        factor = rng.uniform(0.05, 0.6)
        mid_x = (out[run, L_HIP, 0] + out[run, R_HIP, 0])[:, None] / 2
        out[run, :, 0] = mid_x + factor * (out[run, :, 0] - mid_x)
    return out


def body_height(xy: np.ndarray) -> float:
    """Median distance from the nose to the mid-ankle, in the units of ``xy``.

    Parameters
    ----------
    xy : ndarray, shape (n_frames, 33, 2)
        Landmark image positions with equal units on both axes (NaN where unknown).
    """
    span = np.linalg.norm(xy[:, NOSE] - (xy[:, L_ANKLE] + xy[:, R_ANKLE]) / 2, axis=-1)
    height = np.nanmedian(span) if np.isfinite(span).any() else np.nan
    return float(height) if np.isfinite(height) and height > 0 else 0.0


def dress_and_turn(sequence: KeypointSequence, rng: np.random.Generator,
                   settings: AugmentSettings) -> KeypointSequence:
    """A copy of the walk in other clothes, with damped arm swing, turned about the vertical.

    Draws, in this order, the clothing shifts, the hips' drop, the two arms' damping
    factors and the body's turn (see :class:`AugmentSettings`); with every range 0 it
    returns the sequence itself and draws nothing.

    Parameters
    ----------
    sequence : KeypointSequence
        Landmarks ``xyzv`` of shape (n_frames, 33, 4): x and z in frame widths, y in frame
        heights (MediaPipe's normalised coordinates).
    rng : numpy.random.Generator
    settings : AugmentSettings

    Returns
    -------
    KeypointSequence
        Same frames, frame rate and size; visibilities unchanged.
    """
    if (settings.clothing_bl <= 0 and settings.arm_damping <= 0 and settings.yaw_deg <= 0
            and settings.hip_drop_bl <= 0):
        return sequence
    aspect = sequence.aspect_ratio
    scale = np.array([aspect, 1.0, aspect])  # to frame heights on every axis
    p = sequence.xyzv[..., :3].astype(np.float64) * scale
    height = body_height(p[..., :2])
    if settings.clothing_bl > 0 and height > 0:
        shift = rng.normal(0.0, settings.clothing_bl * height, size=(_CLOTHED.size, 2))
        p[:, _CLOTHED, :2] += shift
    if settings.hip_drop_bl > 0 and height > 0:
        p[:, [L_HIP, R_HIP], 1] += rng.uniform(0.0, settings.hip_drop_bl) * height
    if settings.arm_damping > 0:
        for shoulder, arm in _ARMS:
            factor = rng.uniform(1.0 - settings.arm_damping, 1.0)
            relative = p[:, arm] - p[:, shoulder, None]
            mean = np.nanmean(relative, axis=0) if np.isfinite(relative).any() else 0.0
            p[:, arm] = p[:, shoulder, None] + mean + factor * (relative - mean)
    if settings.yaw_deg > 0:
        yaw = np.radians(rng.uniform(-settings.yaw_deg, settings.yaw_deg))
        p = _turn_body(p, yaw)
    out = sequence.xyzv.copy()
    out[..., :3] = (p / scale).astype(np.float32)
    return KeypointSequence(out, sequence.frame_index, sequence.fps, sequence.frame_size_px)


def _turn_body(p: np.ndarray, yaw_rad: float) -> np.ndarray:
    """Landmarks ``p`` (n_frames, 33, 3; frame heights) with the body turned by ``yaw_rad``
    about the vertical axis through the mid-hip, and the mid-hip's travel across the frame
    foreshortened by its cosine (MediaPipe's ``z`` is depth relative to the mid-hip)."""
    hip = (p[:, L_HIP] + p[:, R_HIP]) / 2
    start = hip[np.argmax(np.isfinite(hip[:, 0]))] if np.isfinite(hip[:, 0]).any() else hip[0]
    rel = p - hip[:, None]
    cos, sin = np.cos(yaw_rad), np.sin(yaw_rad)
    out = p.copy()
    out[..., 0] = start[0] + (hip[:, None, 0] - start[0]) * cos + cos * rel[..., 0] \
        + sin * rel[..., 2]
    out[..., 2] = -sin * rel[..., 0] + cos * rel[..., 2]
    return out


# The legs' angle curves and ranges of motion whose size a copy's excursion scaling changes.
_LEG_SEGMENTS = ("thigh", "knee", "shank", "foot")
_LEG_RANGES = ("hip_flexion", "knee_flexion", "ankle_dorsiflexion")


def leg_excursion_names() -> list[str]:
    """Parameters that measure how far the legs' joints swing (every view's; the front view
    has no foot curve): the harmonic coefficients of the thigh, knee, shank and foot angle
    curves (not their means) and the hip, knee and ankle ranges of motion. The joints' peaks,
    the knee's angle at heel strike and the step lengths are not among them: they also
    describe posture and pace."""
    harmonics = [term for term, _ in wave_terms() if term != "mean"]
    return ([wave_parameter_name(f"{limb}_{segment}", term) for limb in LIMBS
             for segment in _LEG_SEGMENTS for term in harmonics]
            + [f"{joint}_rom_{side}_deg" for joint in _LEG_RANGES for side in ("left", "right")])


def excursion_copies(frame: pd.DataFrame, largest: float, rng: np.random.Generator
                     ) -> pd.DataFrame:
    """One copy of every cycle with its legs' joint-angle excursions scaled down.

    Every excursion of a copy (:func:`leg_excursion_names`) is multiplied by the same factor,
    drawn per cycle uniformly in ``[1 - largest, 1]``: the curves keep their mean and shape
    and shrink about it, as a walker's do in a coat or with a load. Measured on the shared
    data, the same day's walks in a coat against normal ones (side view, first harmonic of
    the leg curves): S13's excursions 0.51-0.91 of his normal ones, S14's 0.49-0.69; S14 on
    another day, walking normally, 0.60-0.97.

    Parameters
    ----------
    frame : DataFrame
        Per-cycle rows (a feature table's frame).
    largest : float
        Largest reduction, in [0, 1).
    rng : numpy.random.Generator

    Returns
    -------
    DataFrame
        ``len(frame)`` rows with ``frame``'s columns (empty for ``largest`` <= 0); NaN stays
        NaN.
    """
    if largest <= 0 or frame.empty:
        return frame.iloc[:0]
    names = [n for n in leg_excursion_names() if n in frame.columns]
    copy = frame.copy()
    scale = rng.uniform(1.0 - largest, 1.0, size=(len(frame), 1))
    copy[names] = frame[names].to_numpy(dtype=np.float64) * scale
    return copy
