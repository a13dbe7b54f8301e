"""Augmented copies of a walk for training: the same walker seen by another camera, on another day.

A copy of a keypoint sequence is seen by a camera turned about its centre (an exact
homography), rolled, with another height-to-width ratio, and played slightly faster or
slower (:func:`perturb_sequence`); :class:`AugmentSettings` holds the ranges.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

import numpy as np

from gait.media.keypoints import KeypointSequence


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
    """

    copies: int = 3
    rotation_deg: float = 5.0
    aspect_frac: float = 0.1
    time_frac: float = 0.1
    seed: int = 7
    turn_deg: float = 10.0

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
    """A randomly rotated, aspect-changed and time-stretched copy of a keypoint sequence.

    The rotation and the aspect change act about the frame centre on coordinates in frame
    heights (x times the aspect ratio), so they are true image-plane transformations; depth
    follows the x scaling; the time stretch scales the frame rate.
    """
    xyzv = sequence.xyzv.astype(np.float64)
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
    return KeypointSequence(out.astype(np.float32), sequence.frame_index,
                            float(sequence.fps) * tempo, sequence.frame_size_px)
