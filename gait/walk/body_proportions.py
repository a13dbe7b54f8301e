"""A body's proportions in one frame: trunk, leg and body length, and whether a pose's
proportions can be the walker's at all.

Lengths are 2-D image distances between MediaPipe landmarks, in the unit of the landmarks'
x and y (frame heights once the aspect is corrected, :mod:`gait.walk.sequence`).
"""

from __future__ import annotations

import numpy as np

from gait.media import landmarks as lm


def _segment_length(xyz: np.ndarray, a: int, b: int) -> np.ndarray:
    """Per-frame 2-D image distance between landmarks ``a`` and ``b``, shape (n,)."""
    return np.linalg.norm(xyz[:, a, :2] - xyz[:, b, :2], axis=1)


def _trunk_and_leg(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame trunk length (mid-shoulder to mid-hip) and mean leg length (thigh + shank),
    each shape (n,), in the units of ``xyz``'s x and y."""
    mid_shoulder = (xyz[:, lm.L_SHOULDER, :2] + xyz[:, lm.R_SHOULDER, :2]) / 2
    mid_hip = (xyz[:, lm.L_HIP, :2] + xyz[:, lm.R_HIP, :2]) / 2
    trunk = np.linalg.norm(mid_shoulder - mid_hip, axis=1)
    leg_l = _segment_length(xyz, lm.L_HIP, lm.L_KNEE) + _segment_length(xyz, lm.L_KNEE, lm.L_ANKLE)
    leg_r = _segment_length(xyz, lm.R_HIP, lm.R_KNEE) + _segment_length(xyz, lm.R_KNEE, lm.R_ANKLE)
    return trunk, (leg_l + leg_r) / 2


def body_length(xyz: np.ndarray) -> np.ndarray:
    """Per-frame body length: mid-shoulder to mid-hip plus the mean thigh + shank length.

    Parameters
    ----------
    xyz : ndarray, shape (n, 33, 3)

    Returns
    -------
    ndarray, shape (n,)
        In the units of ``xyz``'s x and y.
    """
    trunk, leg = _trunk_and_leg(xyz)
    return np.asarray(trunk + leg)


def implausible_poses(xyz: np.ndarray, max_log_deviation: float) -> np.ndarray:
    """Frames whose pose cannot be the walker's: the legs squeezed or stretched against the
    trunk.

    MediaPipe draws a whole skeleton even where part of the body is hidden or outside the
    frame (a walker still far from a front camera, the feet behind an obstacle), and then
    shortens or lengthens the legs. Perspective scales the trunk and the legs alike, so a
    person's leg-to-trunk length ratio hardly changes within a walk: on the shared data's
    walks across the frame and away from the camera, 99.9 % of the frames lie within
    ln 1.35 = 0.3 of their walk's; the starts of walks towards the camera do not (2.6 % of
    those frames beyond it). The walk's ratio is the median over the frames in which the body
    is at least as long as its median (the better-resolved half).

    Parameters
    ----------
    xyz : ndarray, shape (n, 33, 3)
        Landmarks of the frames with a person; x and y in one unit (frame heights).
    max_log_deviation : float
        Largest ``|ln(ratio / walk's ratio)|`` of a plausible pose.

    Returns
    -------
    ndarray of bool, shape (n,)
        True for the implausible frames (none for fewer than 3 frames).
    """
    if xyz.shape[0] < 3:
        return np.zeros(xyz.shape[0], dtype=bool)
    trunk, leg = _trunk_and_leg(xyz)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(leg / trunk)
    size = trunk + leg
    reference = log_ratio[np.isfinite(log_ratio) & (size >= np.median(size))]
    if reference.size == 0:
        return np.zeros(xyz.shape[0], dtype=bool)
    deviation = np.abs(log_ratio - np.median(reference))
    return np.asarray(~(deviation <= max_log_deviation))
