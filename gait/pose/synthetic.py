"""A procedural walker: synthetic MediaPipe-like keypoint sequences with known gait.

Used for known-answer tests (a walk with a known cadence must give that cadence) and for the
dashboard's clearly labelled synthetic demo case. Nothing here is real data.

The walker is a planar stick figure: the thighs swing sinusoidally about the hips, the knees
flex during swing, the arms swing opposite to the legs, the pelvis bobs twice per stride. The
side view projects the sagittal plane onto the image (x forward); the front view puts the
forward axis into MediaPipe's depth z and shows the legs side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gait.media import landmarks as lm
from gait.media.keypoints import KeypointSequence


@dataclass(frozen=True)
class WalkerStyle:
    """Body proportions (in frame heights) and walking style of one synthetic person.

    Attributes
    ----------
    cadence_steps_per_min : float
    thigh_fh, shank_fh, trunk_fh, upper_arm_fh, forearm_fh, foot_fh : float
        Segment lengths in frame heights.
    shoulder_width_fh, hip_width_fh : float
    hip_swing_deg : float
        Amplitude of the thigh's swing about the vertical.
    knee_flex_deg : float
        Peak knee flexion in swing.
    arm_swing_deg : float
        Amplitude of the arm's swing.
    bob_fh : float
        Amplitude of the pelvis's vertical oscillation.
    """

    cadence_steps_per_min: float = 110.0
    thigh_fh: float = 0.16
    shank_fh: float = 0.16
    trunk_fh: float = 0.22
    upper_arm_fh: float = 0.11
    forearm_fh: float = 0.10
    foot_fh: float = 0.06
    shoulder_width_fh: float = 0.09
    hip_width_fh: float = 0.06
    hip_swing_deg: float = 22.0
    knee_flex_deg: float = 55.0
    arm_swing_deg: float = 18.0
    bob_fh: float = 0.008

    @property
    def stride_time_s(self) -> float:
        """Duration of one stride (two steps)."""
        return 120.0 / self.cadence_steps_per_min


def synthetic_walk(
    style: WalkerStyle | None = None,
    view: str = "side",
    duration_s: float = 5.0,
    fps: float = 30.0,
    direction: str | None = None,
    noise_fh: float = 0.0,
    seed: int = 0,
    frame_size_px: tuple[int, int] = (1920, 1080),
    clip_id: str = "synthetic",
) -> KeypointSequence:
    """Keypoints of a synthetic walk.

    Parameters
    ----------
    style : WalkerStyle, optional
    view : {"side", "front"}
    duration_s, fps : float
    direction : str, optional
        ``left``/``right`` (side) or ``front`` (towards the camera)/``back``; default
        ``right`` / ``back``.
    noise_fh : float
        Standard deviation of Gaussian noise added to every coordinate, in frame heights.
    seed : int
    frame_size_px : (width, height)
    clip_id : str

    Returns
    -------
    KeypointSequence
        shape (round(duration_s * fps), 33, 4), visibility 0.95 everywhere.
    """
    style = style or WalkerStyle()
    direction = direction or ("right" if view == "side" else "back")
    rng = np.random.default_rng(seed)
    n = round(duration_s * fps)
    t = np.arange(n) / fps
    phase = 2 * np.pi * t / style.stride_time_s
    aspect = frame_size_px[0] / frame_size_px[1]
    leg = style.thigh_fh + style.shank_fh
    speed = 0.9 * leg * 2 * np.sin(np.radians(style.hip_swing_deg)) * 2 / style.stride_time_s

    # Sagittal coordinates: f forward, v down (pelvis-relative), lateral l (person's right +).
    f = np.zeros((n, 33))
    v = np.zeros((n, 33))
    lat = np.zeros((n, 33))
    sides = {"left": (0.0, -1.0), "right": (np.pi, 1.0)}
    for side, (offset, lat_sign) in sides.items():
        p = phase + offset
        hip_angle = np.radians(style.hip_swing_deg) * np.cos(p)  # max forward at heel strike
        knee = np.radians(style.knee_flex_deg) * np.clip(np.sin(p - 0.5 * np.pi), 0, None) ** 2
        names = {k: getattr(lm, f"{'L' if side == 'left' else 'R'}_{k}")
                 for k in ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT", "SHOULDER", "ELBOW",
                           "WRIST", "INDEX")}
        lat[:, names["HIP"]] = lat_sign * style.hip_width_fh / 2
        f[:, names["KNEE"]] = style.thigh_fh * np.sin(hip_angle)
        v[:, names["KNEE"]] = style.thigh_fh * np.cos(hip_angle)
        shank_angle = hip_angle - knee
        f[:, names["ANKLE"]] = f[:, names["KNEE"]] + style.shank_fh * np.sin(shank_angle)
        v[:, names["ANKLE"]] = v[:, names["KNEE"]] + style.shank_fh * np.cos(shank_angle)
        foot_pitch = 0.3 * np.sin(p)
        for key, share in (("HEEL", -0.25), ("FOOT", 0.75)):
            f[:, names[key]] = f[:, names["ANKLE"]] + share * style.foot_fh * np.cos(foot_pitch)
            v[:, names[key]] = (v[:, names["ANKLE"]] + 0.02
                                - share * style.foot_fh * np.sin(foot_pitch))
        for key in ("KNEE", "ANKLE", "HEEL", "FOOT"):
            lat[:, names[key]] = lat[:, names["HIP"]]
        arm = -np.radians(style.arm_swing_deg) * np.cos(p)
        lat[:, names["SHOULDER"]] = lat_sign * style.shoulder_width_fh / 2
        v[:, names["SHOULDER"]] = -style.trunk_fh
        f[:, names["ELBOW"]] = style.upper_arm_fh * np.sin(arm)
        v[:, names["ELBOW"]] = -style.trunk_fh + style.upper_arm_fh * np.cos(arm)
        f[:, names["WRIST"]] = f[:, names["ELBOW"]] + style.forearm_fh * np.sin(arm + 0.3)
        v[:, names["WRIST"]] = v[:, names["ELBOW"]] + style.forearm_fh * np.cos(arm + 0.3)
        f[:, names["INDEX"]] = f[:, names["WRIST"]] + 0.03 * np.sin(arm + 0.3)
        v[:, names["INDEX"]] = v[:, names["WRIST"]] + 0.03 * np.cos(arm + 0.3)
        for key in ("ELBOW", "WRIST", "INDEX"):
            lat[:, names[key]] = lat[:, names["SHOULDER"]] * 1.1
    head = -style.trunk_fh - 0.07
    for index, (df, dl) in {lm.NOSE: (0.03, 0.0), lm.L_EYE: (0.025, -0.012),
                            lm.R_EYE: (0.025, 0.012), lm.L_EAR: (0.0, -0.025),
                            lm.R_EAR: (0.0, 0.025), lm.MOUTH_L: (0.028, -0.008),
                            lm.MOUTH_R: (0.028, 0.008)}.items():
        f[:, index], v[:, index], lat[:, index] = df, head + (0.02 if index in (9, 10) else 0), dl
    for index, base in ((1, lm.L_EYE), (3, lm.L_EYE), (4, lm.R_EYE), (6, lm.R_EYE),
                        (17, lm.L_WRIST), (21, lm.L_WRIST), (18, lm.R_WRIST), (22, lm.R_WRIST)):
        f[:, index], v[:, index], lat[:, index] = f[:, base], v[:, base], lat[:, base]

    bob = style.bob_fh * np.cos(2 * phase)
    xyzv = np.empty((n, 33, 4), dtype=np.float64)
    if view == "side":
        sign = 1.0 if direction == "right" else -1.0
        pelvis_x = 0.5 + sign * (speed * (t - duration_s / 2))
        xyzv[..., 0] = (pelvis_x[:, None] * aspect + sign * f) / aspect
        xyzv[..., 1] = 0.45 + bob[:, None] + v
        xyzv[..., 2] = sign * lat / aspect * aspect  # depth: person's right towards camera
    else:
        towards = direction == "front"
        distance = 6.0 + (-1.0 if towards else 1.0) * speed * 3 * (t - duration_s / 2)
        scale = 6.0 / distance
        # Seen from behind (away) the person's right is on the image's right.
        lateral_sign = -1.0 if towards else 1.0
        xyzv[..., 0] = (0.5 * aspect + scale[:, None] * lateral_sign * lat) / aspect
        xyzv[..., 1] = 0.5 + scale[:, None] * (bob[:, None] + v - 0.1)
        # MediaPipe z: smaller is closer; forward is towards the camera for a front walk.
        xyzv[..., 2] = scale[:, None] * (-f if towards else f) / aspect
    if noise_fh > 0:
        xyzv[..., :3] += rng.normal(0.0, noise_fh, size=(n, 33, 3)) / np.array([aspect, 1, aspect])
    xyzv[..., 3] = 0.95
    return KeypointSequence(
        xyzv=xyzv.astype(np.float32),
        frame_index=np.arange(n),
        fps=fps,
        frame_size_px=frame_size_px,
        clip_id=clip_id,
        meta={"synthetic": True, "style": style.__dict__, "view": view, "direction": direction},
    )
