"""The gait parameter catalogue and its per-cycle computation.

Every parameter is defined once, in :data:`CATALOGUE`, with its unit, the landmarks it uses,
the camera views it applies to, whether it is static (a body proportion) or dynamic, and its
formula in words. ``docs/parameters.md`` is generated from it (``python -m gait catalogue``).

Conventions (after :mod:`gait.walk.sequence`): lengths are in body lengths (bl: mid-shoulder to
mid-hip plus thigh plus shank), angles in degrees, times in seconds. The *sagittal* plane is
spanned by the vertical image axis and the forward axis, which is image x in the side view and
MediaPipe depth z in the front view (less precise); the *frontal* plane (front view only) by
the vertical and the image x axis. Left and right are the person's own.

A parameter's visibility score for a cycle is the mean, over the cycle's samples, of the
lowest visibility among the landmarks it uses (0: never seen, 1: always clearly seen).

A parameter is *clothing-robust* when a coat or a bag cannot move it: it uses only the
landmarks from the knees down (which MediaPipe finds on the legs and feet, below a coat's hem
and a bag), or only the timing of the feet's events, or the hip landmarks only through the
pelvis's travel over the stride or a landmark's height over the stride, which a constant
offset of the hips (a coat's outline) leaves unchanged. The identification network's
clothing-robust towers read these alone (:mod:`gait.identification.network`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from gait.media import landmarks as lm
from gait.walk.cycles import GaitAnalysis, GaitCycle
from gait.walk.sequence import CleanWalk

STATIC = "static"
DYNAMIC = "dynamic"
BOTH_VIEWS = ("side", "front")
SIDE = ("side",)
FRONT = ("front",)

_SIDE_LM = {
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


@dataclass(frozen=True)
class Parameter:
    """One entry of the catalogue.

    Attributes
    ----------
    name : str
        Column name, ending in its unit (``_bl``, ``_deg``, ``_s``, ``_frac``, ``_pct``, ...).
    unit : str
        Unit in words.
    landmarks : tuple of int
        MediaPipe landmarks the value depends on (also the source of its visibility score).
    views : tuple of str
        Camera views it applies to.
    kind : str
        ``"static"`` (a body proportion) or ``"dynamic"`` (temporal, spatial or kinematic).
    group : str
        ``proportion``, ``temporal``, ``spatial``, ``kinematic``, ``symmetry`` or
        ``waveform``.
    description : str
        The formula in words.
    clothing_robust : bool
        Whether a coat or a bag cannot move it (see the module docstring; set for the whole
        catalogue by :func:`_clothing_robust`).
    """

    name: str
    unit: str
    landmarks: tuple[int, ...]
    views: tuple[str, ...]
    kind: str
    group: str
    description: str
    clothing_robust: bool = False

    def __post_init__(self) -> None:
        if self.kind not in (STATIC, DYNAMIC):
            raise ValueError(f"{self.name}: kind must be static or dynamic")
        if not set(self.views) <= set(BOTH_VIEWS) or not self.views:
            raise ValueError(f"{self.name}: views must be a subset of {BOTH_VIEWS}")


# ---------------------------------------------------------------------------------------------
# Per-walk series: computed once per walk, sliced per cycle.


class _Series:
    """Per-sample quantities of one walk, computed lazily and memoised."""

    def __init__(self, walk: CleanWalk) -> None:
        self.walk = walk
        self.xyz = walk.xyz_bl
        forward_axis = 0 if walk.view == "side" else 2
        self.forward = self.xyz[:, :, forward_axis]
        self.vertical = self.xyz[:, :, 1]
        self.lateral = self.xyz[:, :, 0]  # person's right in the front view
        self._cache: dict[str, np.ndarray] = {}

    def get(self, key: str, make: Callable[[], np.ndarray]) -> np.ndarray:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

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


def _mid(xyz: np.ndarray, a: int, b: int) -> np.ndarray:
    return (xyz[:, a] + xyz[:, b]) / 2


# ---------------------------------------------------------------------------------------------
# Per-cycle context and aggregation helpers.


@dataclass(frozen=True)
class _Cycle:
    series: _Series
    cycle: GaitCycle
    start: int
    stop: int  # exclusive

    def window(self, values: np.ndarray) -> np.ndarray:
        return values[self.start : self.stop]

    def at(self, values: np.ndarray, time_s: float) -> float:
        if np.isnan(time_s):
            return float("nan")
        index = round((time_s - self.series.walk.time_s[0]) * self.series.walk.sample_rate_hz)
        index = min(max(index, 0), values.shape[0] - 1)
        return float(values[index])


def _p90(values: np.ndarray) -> float:
    """90th percentile with linear interpolation (as ``np.percentile``, without its overhead)."""
    ordered = np.sort(values)
    position = 0.9 * (ordered.size - 1)
    lo = int(position)
    hi = min(lo + 1, ordered.size - 1)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo))


def _range(values: np.ndarray) -> float:
    return float(np.max(values) - np.min(values))


def _detrended_range(values: np.ndarray) -> float:
    if values.size < 3:
        return float("nan")
    t = np.arange(values.size) - (values.size - 1) / 2.0  # centred: least squares in closed form
    slope = float(np.dot(t, values) / np.dot(t, t))
    return _range(values - slope * t)


def _symmetry_pct(left: float, right: float) -> float:
    """Symmetry index 100 * (L - R) / mean(L, R); 0 is perfect symmetry."""
    mean = (left + right) / 2
    if not np.isfinite(mean) or abs(mean) < 1e-9:
        return float("nan")
    return float(100.0 * (left - right) / mean)


# ---------------------------------------------------------------------------------------------
# The catalogue. Each entry pairs the Parameter with the function computing it on a cycle.

# Called with one cycle. Typed with ``...`` because the catalogue's lambdas bind loop variables
# as default arguments, which a Callable[[_Cycle], float] context cannot express.
Compute = Callable[..., float]
_ENTRIES: list[tuple[Parameter, Compute]] = []


def _add(parameter: Parameter, compute: Compute) -> None:
    _ENTRIES.append((parameter, compute))


def _segment(side: str, a: str, b: str, label: str, what: str) -> None:
    ia, ib = _SIDE_LM[side][a], _SIDE_LM[side][b]
    _add(
        Parameter(
            f"{label}_{side}_bl", "body lengths", (ia, ib), BOTH_VIEWS, STATIC, "proportion",
            f"{what} of the {side} side: 90th percentile over the cycle of the image-plane "
            f"distance {a}-{b} (the segment's least foreshortened length)",
        ),
        lambda c, ia=ia, ib=ib: _p90(c.window(c.series.length(ia, ib))),
    )


for _side in ("left", "right"):
    _segment(_side, "hip", "knee", "thigh_length", "Thigh length")
    _segment(_side, "knee", "ankle", "shank_length", "Shank length")
    _segment(_side, "shoulder", "elbow", "upper_arm_length", "Upper-arm length")
    _segment(_side, "elbow", "wrist", "forearm_length", "Forearm length")
    _segment(_side, "heel", "toe", "foot_length", "Foot length")
    _segment(_side, "wrist", "index", "hand_length", "Hand length")


def _trunk_length(c: _Cycle) -> float:
    xyz = c.series.xyz
    trunk = np.linalg.norm(
        _mid(xyz, lm.L_SHOULDER, lm.R_SHOULDER)[:, :2] - _mid(xyz, lm.L_HIP, lm.R_HIP)[:, :2],
        axis=1,
    )
    return _p90(c.window(trunk))


def _neck_length(c: _Cycle) -> float:
    xyz = c.series.xyz
    shoulders = _mid(xyz, lm.L_SHOULDER, lm.R_SHOULDER)
    neck = np.linalg.norm(xyz[:, lm.NOSE, :2] - shoulders[:, :2], axis=1)
    return float(np.median(c.window(neck)))


_TRUNK = (lm.L_SHOULDER, lm.R_SHOULDER, lm.L_HIP, lm.R_HIP)
_add(Parameter("trunk_length_bl", "body lengths", _TRUNK, BOTH_VIEWS, STATIC, "proportion",
               "Mid-shoulder to mid-hip distance, 90th percentile over the cycle"), _trunk_length)
_add(Parameter("neck_length_bl", "body lengths", (lm.NOSE, lm.L_SHOULDER, lm.R_SHOULDER),
               BOTH_VIEWS, STATIC, "proportion",
               "Nose to mid-shoulder distance, median over the cycle"), _neck_length)
for _name, _a, _b, _what in (
    ("shoulder_width_bl", lm.L_SHOULDER, lm.R_SHOULDER, "Shoulder width (left to right shoulder)"),
    ("hip_width_bl", lm.L_HIP, lm.R_HIP, "Hip width (left to right hip)"),
    ("head_width_bl", lm.L_EAR, lm.R_EAR, "Head width (ear to ear)"),
    ("eye_distance_bl", lm.L_EYE, lm.R_EYE, "Distance between the eye centres"),
):
    _add(
        Parameter(_name, "body lengths", (_a, _b), FRONT, STATIC, "proportion",
                  f"{_what}, image-plane distance, median over the cycle"),
        lambda c, a=_a, b=_b: float(np.median(c.window(c.series.length(a, b)))),
    )

# --- temporal ----------------------------------------------------------------------------------
_FEET_LM = (lm.L_HEEL, lm.R_HEEL, lm.L_FOOT, lm.R_FOOT)


def _stance(c: _Cycle) -> float:
    return (c.cycle.toe_off_s - c.cycle.start_s) / c.cycle.duration_s


def _double_support(c: _Cycle) -> float:
    initial = c.cycle.contra_toe_off_s - c.cycle.start_s
    terminal = c.cycle.toe_off_s - c.cycle.contra_heel_strike_s
    return float((initial + terminal) / c.cycle.duration_s)


def _step_time_symmetry(c: _Cycle) -> float:
    first = c.cycle.contra_heel_strike_s - c.cycle.start_s
    second = c.cycle.end_s - c.cycle.contra_heel_strike_s
    return _symmetry_pct(first, second) if c.cycle.foot == "left" else _symmetry_pct(second, first)


for _p, _f in (
    (Parameter("stride_time_s", "seconds", _FEET_LM, BOTH_VIEWS, DYNAMIC, "temporal",
               "Time from a heel strike to the next heel strike of the same foot"),
     lambda c: c.cycle.duration_s),
    (Parameter("cadence_steps_per_min", "steps per minute", _FEET_LM, BOTH_VIEWS, DYNAMIC,
               "temporal", "120 / stride time (two steps per stride)"),
     lambda c: 120.0 / c.cycle.duration_s),
    (Parameter("step_time_s", "seconds", _FEET_LM, BOTH_VIEWS, DYNAMIC, "temporal",
               "Time from the cycle's heel strike to the other foot's heel strike"),
     lambda c: c.cycle.contra_heel_strike_s - c.cycle.start_s),
    (Parameter("stance_frac", "fraction of the stride", _FEET_LM, BOTH_VIEWS, DYNAMIC, "temporal",
               "Heel strike to toe off of the cycle's foot, divided by the stride time"),
     _stance),
    (Parameter("swing_frac", "fraction of the stride", _FEET_LM, BOTH_VIEWS, DYNAMIC, "temporal",
               "Toe off to the next heel strike of the cycle's foot, divided by the stride time"),
     lambda c: 1.0 - _stance(c)),
    (Parameter("double_support_frac", "fraction of the stride", _FEET_LM, BOTH_VIEWS, DYNAMIC,
               "temporal",
               "Time both feet are on the ground (heel strike to the other foot's toe off, "
               "plus the other foot's heel strike to this foot's toe off) over the stride time"),
     _double_support),
    (Parameter("step_time_symmetry_pct", "percent", _FEET_LM, BOTH_VIEWS, DYNAMIC, "symmetry",
               "Symmetry index 100 (L - R) / mean(L, R) of the left and right step times"),
     _step_time_symmetry),
):
    _add(_p, _f)

# --- spatial -----------------------------------------------------------------------------------


def _heel_separation_at(c: _Cycle, time_s: float) -> float:
    s = c.series
    return abs(c.at(s.forward[:, lm.L_HEEL] - s.forward[:, lm.R_HEEL], time_s))


def _stride_length(c: _Cycle) -> float:
    pelvis = c.series.walk.pelvis_bl[:, 0]
    return c.at(pelvis, c.cycle.end_s) - c.at(pelvis, c.cycle.start_s)


def _step_width(c: _Cycle) -> float:
    s = c.series
    gap = np.abs(s.lateral[:, lm.L_HEEL] - s.lateral[:, lm.R_HEEL])
    return float(np.nanmean([c.at(gap, c.cycle.start_s), c.at(gap, c.cycle.contra_heel_strike_s)]))


_PELVIS = (lm.L_HIP, lm.R_HIP)
for _p, _f in (
    (Parameter("step_length_bl", "body lengths", (lm.L_HEEL, lm.R_HEEL), SIDE, DYNAMIC, "spatial",
               "Forward distance between the heels at the other foot's heel strike"),
     lambda c: _heel_separation_at(c, c.cycle.contra_heel_strike_s)),
    (Parameter("stride_length_bl", "body lengths", _PELVIS, SIDE, DYNAMIC, "spatial",
               "Forward travel of the pelvis over the stride"), _stride_length),
    (Parameter("speed_bl_per_s", "body lengths per second", _PELVIS, SIDE, DYNAMIC, "spatial",
               "Stride length divided by stride time"),
     lambda c: _stride_length(c) / c.cycle.duration_s),
    (Parameter("step_width_bl", "body lengths", (lm.L_HEEL, lm.R_HEEL), FRONT, DYNAMIC, "spatial",
               "Sideways distance between the heels at heel strike (mean of both strikes)"),
     _step_width),
    (Parameter("vertical_oscillation_bl", "body lengths", _PELVIS, BOTH_VIEWS, DYNAMIC, "spatial",
               "Range of the pelvis's height over the stride, linear trend removed"),
     lambda c: _detrended_range(c.window(c.series.walk.pelvis_bl[:, 1]))),
    (Parameter("lateral_sway_bl", "body lengths", _PELVIS, FRONT, DYNAMIC, "spatial",
               "Range of the pelvis's sideways position over the stride, linear trend removed"),
     lambda c: _detrended_range(c.window(c.series.walk.pelvis_bl[:, 0]))),
    (Parameter("head_bob_bl", "body lengths", (lm.NOSE, *_PELVIS), BOTH_VIEWS, DYNAMIC, "spatial",
               "Range of the nose's height over the stride, linear trend removed"),
     lambda c: _detrended_range(c.window(c.series.absolute_y(lm.NOSE)))),
):
    _add(_p, _f)

for _side in ("left", "right"):
    _toe, _heel = _SIDE_LM[_side]["toe"], _SIDE_LM[_side]["heel"]
    _wrist, _shoulder = _SIDE_LM[_side]["wrist"], _SIDE_LM[_side]["shoulder"]
    _add(Parameter(f"toe_lift_{_side}_bl", "body lengths", (_toe, *_PELVIS), BOTH_VIEWS, DYNAMIC,
                   "spatial", f"Range of the {_side} toe's height over the stride (foot "
                   "clearance), linear trend removed"),
         lambda c, i=_toe: _detrended_range(c.window(c.series.absolute_y(i))))
    _add(Parameter(f"heel_lift_{_side}_bl", "body lengths", (_heel, *_PELVIS), BOTH_VIEWS,
                   DYNAMIC, "spatial", f"Range of the {_side} heel's height over the stride, "
                   "linear trend removed"),
         lambda c, i=_heel: _detrended_range(c.window(c.series.absolute_y(i))))
    _add(Parameter(f"wrist_excursion_{_side}_bl", "body lengths", (_wrist, _shoulder), BOTH_VIEWS,
                   DYNAMIC, "spatial", f"Range of the {_side} wrist's forward position relative "
                   "to the pelvis over the stride (arm swing amplitude)"),
         lambda c, i=_wrist: _range(c.window(c.series.forward[:, i])))

# --- kinematic (sagittal) ------------------------------------------------------------------------


def _hip_flexion(s: _Series, side: str) -> np.ndarray:
    return s.sagittal_angle(_SIDE_LM[side]["hip"], _SIDE_LM[side]["knee"])


def _knee_flexion(s: _Series, side: str) -> np.ndarray:
    leg = _SIDE_LM[side]
    return s.get(f"knee{side}",
                 lambda: _hip_flexion(s, side) - s.sagittal_angle(leg["knee"], leg["ankle"]))


def _ankle_dorsiflexion(s: _Series, side: str) -> np.ndarray:
    leg = _SIDE_LM[side]

    def make() -> np.ndarray:
        shank_tilt = -s.sagittal_angle(leg["knee"], leg["ankle"])  # knee ahead of ankle: +
        foot = np.degrees(np.arctan2(-(s.vertical[:, leg["toe"]] - s.vertical[:, leg["heel"]]),
                                     s.forward[:, leg["toe"]] - s.forward[:, leg["heel"]]))
        return np.asarray(shank_tilt + foot)

    return s.get(f"ankle{side}", make)


def _arm_swing(s: _Series, side: str) -> np.ndarray:
    return s.sagittal_angle(_SIDE_LM[side]["shoulder"], _SIDE_LM[side]["wrist"])


def _elbow_flexion(s: _Series, side: str) -> np.ndarray:
    arm = _SIDE_LM[side]
    return s.get(
        f"elbow{side}",
        lambda: np.abs(s.sagittal_angle(arm["elbow"], arm["wrist"])
                       - s.sagittal_angle(arm["shoulder"], arm["elbow"])),
    )


_JOINTS: dict[str, tuple[Callable[[_Series, str], np.ndarray], tuple[str, ...], str]] = {
    "hip_flexion": (_hip_flexion, ("hip", "knee"),
                    "thigh angle from vertical in the sagittal plane, knee forward positive"),
    "knee_flexion": (_knee_flexion, ("hip", "knee", "ankle"),
                     "thigh angle minus shank angle in the sagittal plane (0: straight leg)"),
    "ankle_dorsiflexion": (_ankle_dorsiflexion, ("knee", "ankle", "heel", "toe"),
                           "forward shank tilt plus toe-up foot pitch in the sagittal plane"),
    "arm_swing": (_arm_swing, ("shoulder", "wrist"),
                  "shoulder-to-wrist angle from vertical in the sagittal plane, forward positive"),
}

for _side in ("left", "right"):
    for _joint, (_fn, _parts, _words) in _JOINTS.items():
        _lms = tuple(_SIDE_LM[_side][p] for p in _parts)
        _add(Parameter(f"{_joint}_rom_{_side}_deg", "degrees", _lms, BOTH_VIEWS, DYNAMIC,
                       "kinematic", f"Range over the stride of the {_side} {_words}"),
             lambda c, fn=_fn, side=_side: _range(c.window(fn(c.series, side))))
        _add(Parameter(f"{_joint}_max_{_side}_deg", "degrees", _lms, BOTH_VIEWS, DYNAMIC,
                       "kinematic", f"Maximum over the stride of the {_side} {_words}"),
             lambda c, fn=_fn, side=_side: float(np.max(c.window(fn(c.series, side)))))
    _add(Parameter(f"knee_flexion_at_heel_strike_{_side}_deg", "degrees",
                   tuple(_SIDE_LM[_side][p] for p in ("hip", "knee", "ankle")), BOTH_VIEWS,
                   DYNAMIC, "kinematic", f"{_side.capitalize()} knee flexion at that foot's "
                   "heel strike"),
         lambda c, side=_side: c.at(
             _knee_flexion(c.series, side),
             c.cycle.start_s if c.cycle.foot == side else c.cycle.contra_heel_strike_s,
         ))
    _add(Parameter(f"elbow_flexion_mean_{_side}_deg", "degrees",
                   tuple(_SIDE_LM[_side][p] for p in ("shoulder", "elbow", "wrist")), BOTH_VIEWS,
                   DYNAMIC, "kinematic", f"Mean over the stride of the {_side} elbow flexion "
                   "(angle between upper arm and forearm in the sagittal plane)"),
         lambda c, side=_side: float(np.mean(c.window(_elbow_flexion(c.series, side)))))


def _trunk_lean(s: _Series) -> np.ndarray:
    def make() -> np.ndarray:
        xyz = s.xyz
        sh, hip = _mid(xyz, lm.L_SHOULDER, lm.R_SHOULDER), _mid(xyz, lm.L_HIP, lm.R_HIP)
        forward_axis = 0 if s.walk.view == "side" else 2
        return np.degrees(np.arctan2(sh[:, forward_axis] - hip[:, forward_axis],
                                     hip[:, 1] - sh[:, 1]))

    return s.get("trunklean", make)


def _trunk_side_lean(s: _Series) -> np.ndarray:
    def make() -> np.ndarray:
        sh, hip = _mid(s.xyz, lm.L_SHOULDER, lm.R_SHOULDER), _mid(s.xyz, lm.L_HIP, lm.R_HIP)
        return np.degrees(np.arctan2(sh[:, 0] - hip[:, 0], hip[:, 1] - sh[:, 1]))

    return s.get("trunkside", make)


for _p, _f in (
    (Parameter("trunk_lean_mean_deg", "degrees", _TRUNK, BOTH_VIEWS, DYNAMIC, "kinematic",
               "Mean forward lean of the trunk (mid-hip to mid-shoulder) from vertical"),
     lambda c: float(np.mean(c.window(_trunk_lean(c.series))))),
    (Parameter("trunk_lean_rom_deg", "degrees", _TRUNK, BOTH_VIEWS, DYNAMIC, "kinematic",
               "Range over the stride of the trunk's forward lean"),
     lambda c: _range(c.window(_trunk_lean(c.series)))),
    (Parameter("trunk_side_lean_rom_deg", "degrees", _TRUNK, FRONT, DYNAMIC, "kinematic",
               "Range over the stride of the trunk's sideways lean in the frontal plane"),
     lambda c: _range(c.window(_trunk_side_lean(c.series)))),
    (Parameter("pelvic_obliquity_rom_deg", "degrees", _PELVIS, FRONT, DYNAMIC, "kinematic",
               "Range over the stride of the hip line's tilt from horizontal"),
     lambda c: _range(c.window(c.series.line_tilt(lm.L_HIP, lm.R_HIP)))),
    (Parameter("shoulder_obliquity_rom_deg", "degrees", (lm.L_SHOULDER, lm.R_SHOULDER), FRONT,
               DYNAMIC, "kinematic",
               "Range over the stride of the shoulder line's tilt from horizontal"),
     lambda c: _range(c.window(c.series.line_tilt(lm.L_SHOULDER, lm.R_SHOULDER)))),
):
    _add(_p, _f)

for _side, _out in (("left", -1.0), ("right", 1.0)):
    _hip, _knee, _ankle = (_SIDE_LM[_side][p] for p in ("hip", "knee", "ankle"))
    _add(Parameter(f"hip_abduction_rom_{_side}_deg", "degrees", (_hip, _knee), FRONT, DYNAMIC,
                   "kinematic", f"Range over the stride of the {_side} thigh's sideways angle "
                   "from vertical in the frontal plane"),
         lambda c, a=_hip, b=_knee: _range(c.window(c.series.frontal_angle(a, b))))
    _add(Parameter(f"knee_valgus_mean_{_side}_deg", "degrees", (_hip, _knee, _ankle), FRONT,
                   DYNAMIC, "kinematic", f"Mean over the stride of the {_side} knee's frontal-"
                   "plane angle (shank angle minus thigh angle, outwards positive)"),
         lambda c, a=_hip, b=_knee, d=_ankle, o=_out: float(np.mean(c.window(
             o * (c.series.frontal_angle(b, d) - c.series.frontal_angle(a, b))))))

# --- symmetry ----------------------------------------------------------------------------------
for _joint in ("hip_flexion", "knee_flexion", "arm_swing"):
    _add(Parameter(f"{_joint}_rom_symmetry_pct", "percent",
                   tuple(sorted({i for s in ("left", "right") for i in
                                 (_SIDE_LM[s][p] for p in _JOINTS[_joint][1])})),
                   BOTH_VIEWS, DYNAMIC, "symmetry",
                   f"Symmetry index 100 (L - R) / mean(L, R) of the {_joint.replace('_', ' ')} "
                   "ranges of motion"),
         lambda c, fn=_JOINTS[_joint][0]: _symmetry_pct(
             _range(c.window(fn(c.series, "left"))), _range(c.window(fn(c.series, "right")))))

# --- waveform: Fourier descriptors of joint-angle curves ----------------------------------------
# Each angle curve of a cycle is sampled at WAVE_POINTS phases from the cycle's heel strike to the
# next one of the same foot and described by its mean and the cosine and sine coefficients of
# harmonics 1..WAVE_HARMONICS. Limbs are named *ipsilateral* (the side of the foot whose heel
# strike starts the cycle) and *contralateral*, so the descriptors do not depend on MediaPipe's
# left/right labels (often swapped in side views), and a left-foot cycle of a symmetric walker
# gives the same values as a right-foot one. Side view: angles in the sagittal plane (image x
# forward); front view: in the frontal plane (image x), signed outwards for each limb.

WAVE_POINTS = 32
WAVE_HARMONICS = 3
_LIMBS = ("ipsi", "contra")
# channel -> (landmark part names, words); segment angles are from straight down.
_WAVE_SEGMENTS = {
    "thigh": (("hip", "knee"), "thigh (hip to knee) angle from vertical"),
    "shank": (("knee", "ankle"), "shank (knee to ankle) angle from vertical"),
    "knee": (("hip", "knee", "ankle"), "knee flexion (thigh angle minus shank angle)"),
    "foot": (("heel", "toe"), "foot pitch (heel to toe, toe down positive)"),
    "upper_arm": (("shoulder", "elbow"), "upper-arm (shoulder to elbow) angle from vertical"),
    "forearm": (("elbow", "wrist"), "forearm (elbow to wrist) angle from vertical"),
}
_WAVE_AXIAL = {
    "trunk": ((lm.L_SHOULDER, lm.R_SHOULDER, lm.L_HIP, lm.R_HIP),
              "trunk (mid-hip to mid-shoulder) angle from vertical"),
    "head": ((lm.NOSE, lm.L_SHOULDER, lm.R_SHOULDER),
             "head (mid-shoulder to nose) angle from vertical"),
}


def wave_channels(view: str) -> tuple[str, ...]:
    """Names of the angle curves described by Fourier coefficients in ``view``."""
    segments = [s for s in _WAVE_SEGMENTS if not (view == "front" and s == "foot")]
    return (*(f"{limb}_{s}" for limb in _LIMBS for s in segments), *_WAVE_AXIAL)


def _wave_terms() -> tuple[tuple[str, str], ...]:
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


def _wave_landmarks(channel: str, foot: str) -> tuple[int, ...]:
    if channel in _WAVE_AXIAL:
        return _WAVE_AXIAL[channel][0]
    limb, segment = channel.split("_", 1)
    side = foot if limb == "ipsi" else ("right" if foot == "left" else "left")
    return tuple(_SIDE_LM[side][p] for p in _WAVE_SEGMENTS[segment][0])


def _wave_angles(s: _Series) -> dict[str, np.ndarray]:
    """Per-sample angle curves of one walk, by anatomical side: ``left_thigh``, ..., ``trunk``.

    Front view: the image x axis (the person's right) replaces the forward axis.
    """

    def make() -> dict[str, np.ndarray]:
        along = s.forward if s.walk.view == "side" else s.lateral
        up = s.vertical

        def seg(a: int, b: int) -> np.ndarray:
            return np.degrees(np.arctan2(along[:, b] - along[:, a], up[:, b] - up[:, a]))

        out: dict[str, np.ndarray] = {}
        for side, parts in _SIDE_LM.items():
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

    return s.get("wave", make)  # type: ignore[arg-type,return-value]


def _wave_block(c: _Cycle) -> dict[str, float]:
    """All Fourier descriptors of one cycle, name -> value (memoised per cycle)."""
    key = f"waveblock{c.cycle.start_s:.6f}-{c.cycle.foot}"
    cached = c.series._cache.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    s = c.series
    view = s.walk.view
    angles = _wave_angles(s)
    other = "right" if c.cycle.foot == "left" else "left"
    channels = wave_channels(view)
    # Front view: sideways angles signed so that outwards is positive for each limb, and
    # towards the ipsilateral side for the trunk and head (image x is the person's right).
    ipsi_sign = 1.0 if c.cycle.foot == "right" else -1.0
    columns, signs = [], []
    for ch in channels:
        if ch in _WAVE_AXIAL:
            columns.append(angles[ch])
            signs.append(ipsi_sign)
        else:
            limb, segment = ch.split("_", 1)
            side = c.cycle.foot if limb == "ipsi" else other
            columns.append(angles[f"{side}_{segment}"])
            signs.append(1.0 if side == "right" else -1.0)
    phases = np.linspace(c.cycle.start_s, c.cycle.end_s, WAVE_POINTS, endpoint=False)
    t = s.walk.time_s
    position = np.clip((phases - t[0]) * s.walk.sample_rate_hz, 0, t.size - 1)
    lo = np.minimum(np.floor(position).astype(int), t.size - 2) if t.size > 1 else np.zeros(
        WAVE_POINTS, int)
    frac = (position - lo)[:, None]
    matrix = np.column_stack(columns)
    hi = np.minimum(lo + 1, t.size - 1)
    curves = matrix[lo] * (1 - frac) + matrix[hi] * frac
    if view == "front":
        curves = curves * np.asarray(signs)[None, :]
    coef = fourier_descriptors(curves)
    terms = [t_ for t_, _ in _wave_terms()]
    block = {wave_parameter_name(ch, term): float(coef[i, j])
             for j, ch in enumerate(channels) for i, term in enumerate(terms)}
    s._cache[key] = block  # type: ignore[assignment]
    return block


# Parameters whose landmarks depend on the cycle (ipsilateral / contralateral limbs): the
# visibility score uses the landmarks of the limb actually described.
_CYCLE_LANDMARKS: dict[str, Callable[..., tuple[int, ...]]] = {}  # called with a GaitCycle


def _wave_visibility_landmarks(channel: str) -> tuple[int, ...]:
    """Landmarks of a channel for the catalogue (both sides: ipsi/contra are either)."""
    if channel in _WAVE_AXIAL:
        return _WAVE_AXIAL[channel][0]
    segment = channel.split("_", 1)[1]
    return tuple(sorted({_SIDE_LM[side][p] for side in _SIDE_LM
                         for p in _WAVE_SEGMENTS[segment][0]}))


for _channel in wave_channels("side"):
    _words = (_WAVE_AXIAL[_channel][1] if _channel in _WAVE_AXIAL
              else f"{_channel.split('_', 1)[0]}lateral "
                   f"{_WAVE_SEGMENTS[_channel.split('_', 1)[1]][1]}")
    _views = SIDE if _channel.endswith("_foot") else BOTH_VIEWS
    for _term, _term_words in _wave_terms():
        _name = wave_parameter_name(_channel, _term)
        _add(Parameter(_name, "degrees", _wave_visibility_landmarks(_channel), _views, DYNAMIC,
                       "waveform",
                       f"{_term_words.capitalize()} of the {_words} over the cycle, sampled at "
                       f"{WAVE_POINTS} phases from heel strike to heel strike (side view: "
                       "sagittal plane, forward positive; front view: frontal plane, outwards "
                       "positive)"),
             lambda c, name=_name: _wave_block(c)[name])
        _CYCLE_LANDMARKS[_name] = lambda cycle, ch=_channel: _wave_landmarks(ch, cycle.foot)

# --- clothing-robust parameters (see the module docstring) -----------------------------------
# Landmarks below a coat's hem and a bag: the knees, ankles, heels and toes.
_BELOW_CLOTHING = frozenset({lm.L_KNEE, lm.R_KNEE, lm.L_ANKLE, lm.R_ANKLE, lm.L_HEEL, lm.R_HEEL,
                             lm.L_FOOT, lm.R_FOOT})
# Parameters that use the hips only through the pelvis's travel, or a landmark's height over
# the stride (the pelvis cancels out of :meth:`_Series.absolute_y`).
_OFFSET_FREE = frozenset({
    "stride_length_bl", "speed_bl_per_s", "vertical_oscillation_bl", "lateral_sway_bl",
    "head_bob_bl", "toe_lift_left_bl", "toe_lift_right_bl", "heel_lift_left_bl",
    "heel_lift_right_bl"})


def _clothing_robust(parameter: Parameter) -> bool:
    return (parameter.group == "temporal" or parameter.name in _OFFSET_FREE
            or set(parameter.landmarks) <= _BELOW_CLOTHING)


CATALOGUE: tuple[Parameter, ...] = tuple(
    replace(p, clothing_robust=_clothing_robust(p)) for p, _ in _ENTRIES)
_COMPUTE: dict[str, Compute] = {p.name: f for p, f in _ENTRIES}
if len(_COMPUTE) != len(CATALOGUE):
    raise RuntimeError("parameter names in the catalogue must be unique")


def parameters_for_view(view: str) -> tuple[Parameter, ...]:
    """Catalogue entries that apply to ``view``, in catalogue order."""
    return tuple(p for p in CATALOGUE if view in p.views)


def clothing_robust_names(view: str) -> list[str]:
    """Names of the clothing-robust parameters of ``view``, in catalogue order."""
    return [p.name for p in parameters_for_view(view) if p.clothing_robust]


def visibility_column(name: str) -> str:
    """Name of the visibility column of parameter ``name``."""
    return f"{name}__visibility"


CYCLE_COLUMNS = ("walk_index", "foot", "start_s", "end_s", "cycle_weight")


def cycle_parameters(analysis: GaitAnalysis) -> pd.DataFrame:
    """Every applicable parameter and its visibility score for every gait cycle.

    Parameters
    ----------
    analysis : GaitAnalysis
        Output of :func:`gait.walk.cycles.analyse_gait`.

    Returns
    -------
    DataFrame
        One row per cycle: ``walk_index, foot, start_s, end_s, cycle_weight`` (1, or
        :data:`gait.walk.cycles.HALF_CYCLE_WEIGHT` for a half cycle), then one column per parameter
        of the view (catalogue order, units in the names), then one ``<name>__visibility``
        column per parameter. Empty (with those columns) when there is no cycle. Values that
        cannot be computed for a cycle (an event not found) are NaN.
    """
    params = parameters_for_view(analysis.view)
    columns = [*CYCLE_COLUMNS, *(p.name for p in params),
               *(visibility_column(p.name) for p in params)]
    series = [_Series(w) for w in analysis.all_walks]
    values = np.full((len(analysis.cycles), 2 * len(params)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        for row, cycle in enumerate(analysis.cycles):
            s = series[cycle.walk_index]
            t0, fs = s.walk.time_s[0], s.walk.sample_rate_hz
            start = round((cycle.start_s - t0) * fs)
            stop = min(round((cycle.end_s - t0) * fs) + 1, s.walk.n_samples)
            ctx = _Cycle(s, cycle, start, stop)
            vis = s.walk.visibility[start:stop]
            by_landmarks: dict[tuple[int, ...], float] = {}
            for k, p in enumerate(params):
                values[row, k] = _COMPUTE[p.name](ctx)
                marks = (_CYCLE_LANDMARKS[p.name](cycle) if p.name in _CYCLE_LANDMARKS
                         else p.landmarks)
                if marks not in by_landmarks:
                    by_landmarks[marks] = float(vis[:, list(marks)].min(axis=1).mean())
                values[row, len(params) + k] = by_landmarks[marks]
    values[~np.isfinite(values)] = np.nan
    cycles = analysis.cycles
    data: dict[str, object] = {
        "walk_index": np.array([c.walk_index for c in cycles], dtype=np.int64),
        "foot": pd.Series([c.foot for c in cycles], dtype=object),
        "start_s": np.array([c.start_s for c in cycles], dtype=np.float64),
        "end_s": np.array([c.end_s for c in cycles], dtype=np.float64),
        "cycle_weight": np.array([c.weight for c in cycles], dtype=np.float64),
    }
    frame = pd.concat([pd.DataFrame(data),
                       pd.DataFrame(values, columns=columns[len(CYCLE_COLUMNS):])], axis=1)
    return frame


def catalogue_markdown() -> str:
    """The catalogue as a Markdown document (``docs/parameters.md`` is generated from it)."""
    lines = [
        "# Gait parameter catalogue",
        "",
        "Generated from `gait/walk/parameters.py` by `python -m gait catalogue --markdown "
        "docs/parameters.md`; do not edit by hand.",
        "",
        __doc__.split("\n\n", 1)[1].strip() if __doc__ else "",
        "",
        f"{len(CATALOGUE)} parameters: {len(parameters_for_view('side'))} apply to the side "
        f"view, {len(parameters_for_view('front'))} to the front view; "
        f"{sum(p.kind == STATIC for p in CATALOGUE)} static, "
        f"{sum(p.kind == DYNAMIC for p in CATALOGUE)} dynamic; "
        f"{sum(p.clothing_robust for p in CATALOGUE)} clothing-robust.",
        "",
        "| # | name | unit | kind | group | clothing-robust | views | landmarks | formula |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for i, p in enumerate(CATALOGUE, start=1):
        marks = ", ".join(f"{j} {lm.LANDMARK_NAMES[j]}" for j in p.landmarks)
        lines.append(f"| {i} | `{p.name}` | {p.unit} | {p.kind} | {p.group} | "
                     f"{'yes' if p.clothing_robust else 'no'} | {', '.join(p.views)} | {marks} "
                     f"| {p.description} |")
    return "\n".join(lines) + "\n"
