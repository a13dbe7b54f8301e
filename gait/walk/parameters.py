"""The gait parameter catalogue: every parameter and its formula (the formulas read a cycle's
window of the walk's series, :mod:`gait.walk.cycle_window`; the waveform descriptors are
:mod:`gait.walk.waveforms`'s; :mod:`gait.walk.parameter_table` computes them for every cycle).

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

The identification network reads every parameter but those of the face's own landmarks (the
eyes, ears and mouth: the head width and the eye distance). They describe a face, not a walk,
and they move with the camera: MediaPipe places them from a few pixels of a face that a
distant or low-resolution camera barely resolves and that turns with the head. On the shared
data every subject's eye distance and head width read smaller on the second recording day (by
1.9 and 2.2 of a person's own spread, front view), and leaving them out raised front-view
rank-1 across sessions from 81.0 to 84.5 % (README, "Bag, coat, angle"). They stay in the
catalogue for researchers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from gait.media import landmarks as lm
from gait.walk.cycle_window import (
    SIDE_LANDMARKS,
    CycleWindow,
    WalkSeries,
    detrended_range,
    median,
    mid_point,
    p90,
    symmetry_pct,
    value_range,
)
from gait.walk.waveforms import (
    WAVE_AXIAL,
    WAVE_POINTS,
    WAVE_SEGMENTS,
    wave_channels,
    wave_landmarks,
    wave_names,
    wave_parameter_name,
    wave_terms,
    wave_values,
    wave_visibility_landmarks,
)

STATIC = "static"
DYNAMIC = "dynamic"
BOTH_VIEWS = ("side", "front")
SIDE = ("side",)
FRONT = ("front",)

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
    identifies : bool
        Whether the identification network reads it (see the module docstring; set for the
        whole catalogue by :func:`_identifies`).
    """

    name: str
    unit: str
    landmarks: tuple[int, ...]
    views: tuple[str, ...]
    kind: str
    group: str
    description: str
    clothing_robust: bool = False
    identifies: bool = True

    def __post_init__(self) -> None:
        if self.kind not in (STATIC, DYNAMIC):
            raise ValueError(f"{self.name}: kind must be static or dynamic")
        if not set(self.views) <= set(BOTH_VIEWS) or not self.views:
            raise ValueError(f"{self.name}: views must be a subset of {BOTH_VIEWS}")


# ---------------------------------------------------------------------------------------------
# The catalogue. Each entry pairs the Parameter with the function computing it on a cycle.

# Called with one cycle. Typed with ``...`` because the catalogue's lambdas bind loop variables
# as default arguments, which a Callable[[CycleWindow], float] context cannot express.
Compute = Callable[..., float]
_ENTRIES: list[tuple[Parameter, Compute]] = []


def _add(parameter: Parameter, compute: Compute) -> None:
    _ENTRIES.append((parameter, compute))


def _segment(side: str, a: str, b: str, label: str, what: str) -> None:
    ia, ib = SIDE_LANDMARKS[side][a], SIDE_LANDMARKS[side][b]
    _add(
        Parameter(
            f"{label}_{side}_bl", "body lengths", (ia, ib), BOTH_VIEWS, STATIC, "proportion",
            f"{what} of the {side} side: 90th percentile over the cycle of the image-plane "
            f"distance {a}-{b} (the segment's least foreshortened length)",
        ),
        lambda c, ia=ia, ib=ib: p90(c.window(c.series.length(ia, ib))),
    )


for _side in ("left", "right"):
    _segment(_side, "hip", "knee", "thigh_length", "Thigh length")
    _segment(_side, "knee", "ankle", "shank_length", "Shank length")
    _segment(_side, "shoulder", "elbow", "upper_arm_length", "Upper-arm length")
    _segment(_side, "elbow", "wrist", "forearm_length", "Forearm length")
    _segment(_side, "heel", "toe", "foot_length", "Foot length")
    _segment(_side, "wrist", "index", "hand_length", "Hand length")


def _trunk_length(c: CycleWindow) -> float:
    def make() -> np.ndarray:
        xyz = c.series.xyz
        shoulders = mid_point(xyz, lm.L_SHOULDER, lm.R_SHOULDER)
        hips = mid_point(xyz, lm.L_HIP, lm.R_HIP)
        return np.linalg.norm(shoulders[:, :2] - hips[:, :2], axis=1)

    return p90(c.window(c.series.get("trunk_length", make)))


def _neck_length(c: CycleWindow) -> float:
    def make() -> np.ndarray:
        xyz = c.series.xyz
        shoulders = mid_point(xyz, lm.L_SHOULDER, lm.R_SHOULDER)
        return np.linalg.norm(xyz[:, lm.NOSE, :2] - shoulders[:, :2], axis=1)

    return median(c.window(c.series.get("neck_length", make)))


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
        lambda c, a=_a, b=_b: median(c.window(c.series.length(a, b))),
    )

# --- temporal ----------------------------------------------------------------------------------
_FEET_LM = (lm.L_HEEL, lm.R_HEEL, lm.L_FOOT, lm.R_FOOT)


def _stance(c: CycleWindow) -> float:
    return (c.cycle.toe_off_s - c.cycle.start_s) / c.cycle.duration_s


def _double_support(c: CycleWindow) -> float:
    initial = c.cycle.contra_toe_off_s - c.cycle.start_s
    terminal = c.cycle.toe_off_s - c.cycle.contra_heel_strike_s
    return float((initial + terminal) / c.cycle.duration_s)


def _step_time_symmetry(c: CycleWindow) -> float:
    first = c.cycle.contra_heel_strike_s - c.cycle.start_s
    second = c.cycle.end_s - c.cycle.contra_heel_strike_s
    return symmetry_pct(first, second) if c.cycle.foot == "left" else symmetry_pct(second, first)


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


def _heel_separation_at(c: CycleWindow, time_s: float) -> float:
    s = c.series
    return abs(c.at(s.forward[:, lm.L_HEEL] - s.forward[:, lm.R_HEEL], time_s))


def _stride_length(c: CycleWindow) -> float:
    pelvis = c.series.walk.pelvis_bl[:, 0]
    return c.at(pelvis, c.cycle.end_s) - c.at(pelvis, c.cycle.start_s)


def _step_width(c: CycleWindow) -> float:
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
     lambda c: detrended_range(c.window(c.series.walk.pelvis_bl[:, 1]))),
    (Parameter("lateral_sway_bl", "body lengths", _PELVIS, FRONT, DYNAMIC, "spatial",
               "Range of the pelvis's sideways position over the stride, linear trend removed"),
     lambda c: detrended_range(c.window(c.series.walk.pelvis_bl[:, 0]))),
    (Parameter("head_bob_bl", "body lengths", (lm.NOSE, *_PELVIS), BOTH_VIEWS, DYNAMIC, "spatial",
               "Range of the nose's height over the stride, linear trend removed"),
     lambda c: detrended_range(c.window(c.series.absolute_y(lm.NOSE)))),
):
    _add(_p, _f)

for _side in ("left", "right"):
    _toe, _heel = SIDE_LANDMARKS[_side]["toe"], SIDE_LANDMARKS[_side]["heel"]
    _wrist, _shoulder = SIDE_LANDMARKS[_side]["wrist"], SIDE_LANDMARKS[_side]["shoulder"]
    _add(Parameter(f"toe_lift_{_side}_bl", "body lengths", (_toe, *_PELVIS), BOTH_VIEWS, DYNAMIC,
                   "spatial", f"Range of the {_side} toe's height over the stride (foot "
                   "clearance), linear trend removed"),
         lambda c, i=_toe: detrended_range(c.window(c.series.absolute_y(i))))
    _add(Parameter(f"heel_lift_{_side}_bl", "body lengths", (_heel, *_PELVIS), BOTH_VIEWS,
                   DYNAMIC, "spatial", f"Range of the {_side} heel's height over the stride, "
                   "linear trend removed"),
         lambda c, i=_heel: detrended_range(c.window(c.series.absolute_y(i))))
    _add(Parameter(f"wrist_excursion_{_side}_bl", "body lengths", (_wrist, _shoulder), BOTH_VIEWS,
                   DYNAMIC, "spatial", f"Range of the {_side} wrist's forward position relative "
                   "to the pelvis over the stride (arm swing amplitude)"),
         lambda c, i=_wrist: value_range(c.window(c.series.forward[:, i])))

# --- kinematic (sagittal) ------------------------------------------------------------------------


def _hip_flexion(s: WalkSeries, side: str) -> np.ndarray:
    return s.sagittal_angle(SIDE_LANDMARKS[side]["hip"], SIDE_LANDMARKS[side]["knee"])


def _knee_flexion(s: WalkSeries, side: str) -> np.ndarray:
    leg = SIDE_LANDMARKS[side]
    return s.get(f"knee{side}",
                 lambda: _hip_flexion(s, side) - s.sagittal_angle(leg["knee"], leg["ankle"]))


def _ankle_dorsiflexion(s: WalkSeries, side: str) -> np.ndarray:
    leg = SIDE_LANDMARKS[side]

    def make() -> np.ndarray:
        shank_tilt = -s.sagittal_angle(leg["knee"], leg["ankle"])  # knee ahead of ankle: +
        foot = np.degrees(np.arctan2(-(s.vertical[:, leg["toe"]] - s.vertical[:, leg["heel"]]),
                                     s.forward[:, leg["toe"]] - s.forward[:, leg["heel"]]))
        return np.asarray(shank_tilt + foot)

    return s.get(f"ankle{side}", make)


def _arm_swing(s: WalkSeries, side: str) -> np.ndarray:
    return s.sagittal_angle(SIDE_LANDMARKS[side]["shoulder"], SIDE_LANDMARKS[side]["wrist"])


def _elbow_flexion(s: WalkSeries, side: str) -> np.ndarray:
    arm = SIDE_LANDMARKS[side]
    return s.get(
        f"elbow{side}",
        lambda: np.abs(s.sagittal_angle(arm["elbow"], arm["wrist"])
                       - s.sagittal_angle(arm["shoulder"], arm["elbow"])),
    )


_JOINTS: dict[str, tuple[Callable[[WalkSeries, str], np.ndarray], tuple[str, ...], str]] = {
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
        _lms = tuple(SIDE_LANDMARKS[_side][p] for p in _parts)
        _add(Parameter(f"{_joint}_rom_{_side}_deg", "degrees", _lms, BOTH_VIEWS, DYNAMIC,
                       "kinematic", f"Range over the stride of the {_side} {_words}"),
             lambda c, fn=_fn, side=_side: value_range(c.window(fn(c.series, side))))
        _add(Parameter(f"{_joint}_max_{_side}_deg", "degrees", _lms, BOTH_VIEWS, DYNAMIC,
                       "kinematic", f"Maximum over the stride of the {_side} {_words}"),
             lambda c, fn=_fn, side=_side: float(np.max(c.window(fn(c.series, side)))))
    _add(Parameter(f"knee_flexion_at_heel_strike_{_side}_deg", "degrees",
                   tuple(SIDE_LANDMARKS[_side][p] for p in ("hip", "knee", "ankle")), BOTH_VIEWS,
                   DYNAMIC, "kinematic", f"{_side.capitalize()} knee flexion at that foot's "
                   "heel strike"),
         lambda c, side=_side: c.at(
             _knee_flexion(c.series, side),
             c.cycle.start_s if c.cycle.foot == side else c.cycle.contra_heel_strike_s,
         ))
    _add(Parameter(f"elbow_flexion_mean_{_side}_deg", "degrees",
                   tuple(SIDE_LANDMARKS[_side][p] for p in ("shoulder", "elbow", "wrist")),
                   BOTH_VIEWS, DYNAMIC, "kinematic", f"Mean over the stride of the {_side} elbow "
                   "flexion (angle between upper arm and forearm in the sagittal plane)"),
         lambda c, side=_side: float(np.mean(c.window(_elbow_flexion(c.series, side)))))


def _trunk_lean(s: WalkSeries) -> np.ndarray:
    def make() -> np.ndarray:
        xyz = s.xyz
        sh, hip = mid_point(xyz, lm.L_SHOULDER, lm.R_SHOULDER), mid_point(xyz, lm.L_HIP, lm.R_HIP)
        forward_axis = 0 if s.walk.view == "side" else 2
        return np.degrees(np.arctan2(sh[:, forward_axis] - hip[:, forward_axis],
                                     hip[:, 1] - sh[:, 1]))

    return s.get("trunklean", make)


def _trunk_side_lean(s: WalkSeries) -> np.ndarray:
    def make() -> np.ndarray:
        sh = mid_point(s.xyz, lm.L_SHOULDER, lm.R_SHOULDER)
        hip = mid_point(s.xyz, lm.L_HIP, lm.R_HIP)
        return np.degrees(np.arctan2(sh[:, 0] - hip[:, 0], hip[:, 1] - sh[:, 1]))

    return s.get("trunkside", make)


for _p, _f in (
    (Parameter("trunk_lean_mean_deg", "degrees", _TRUNK, BOTH_VIEWS, DYNAMIC, "kinematic",
               "Mean forward lean of the trunk (mid-hip to mid-shoulder) from vertical"),
     lambda c: float(np.mean(c.window(_trunk_lean(c.series))))),
    (Parameter("trunk_lean_rom_deg", "degrees", _TRUNK, BOTH_VIEWS, DYNAMIC, "kinematic",
               "Range over the stride of the trunk's forward lean"),
     lambda c: value_range(c.window(_trunk_lean(c.series)))),
    (Parameter("trunk_side_lean_rom_deg", "degrees", _TRUNK, FRONT, DYNAMIC, "kinematic",
               "Range over the stride of the trunk's sideways lean in the frontal plane"),
     lambda c: value_range(c.window(_trunk_side_lean(c.series)))),
    (Parameter("pelvic_obliquity_rom_deg", "degrees", _PELVIS, FRONT, DYNAMIC, "kinematic",
               "Range over the stride of the hip line's tilt from horizontal"),
     lambda c: value_range(c.window(c.series.line_tilt(lm.L_HIP, lm.R_HIP)))),
    (Parameter("shoulder_obliquity_rom_deg", "degrees", (lm.L_SHOULDER, lm.R_SHOULDER), FRONT,
               DYNAMIC, "kinematic",
               "Range over the stride of the shoulder line's tilt from horizontal"),
     lambda c: value_range(c.window(c.series.line_tilt(lm.L_SHOULDER, lm.R_SHOULDER)))),
):
    _add(_p, _f)

for _side, _out in (("left", -1.0), ("right", 1.0)):
    _hip, _knee, _ankle = (SIDE_LANDMARKS[_side][p] for p in ("hip", "knee", "ankle"))
    _add(Parameter(f"hip_abduction_rom_{_side}_deg", "degrees", (_hip, _knee), FRONT, DYNAMIC,
                   "kinematic", f"Range over the stride of the {_side} thigh's sideways angle "
                   "from vertical in the frontal plane"),
         lambda c, a=_hip, b=_knee: value_range(c.window(c.series.frontal_angle(a, b))))
    _add(Parameter(f"knee_valgus_mean_{_side}_deg", "degrees", (_hip, _knee, _ankle), FRONT,
                   DYNAMIC, "kinematic", f"Mean over the stride of the {_side} knee's frontal-"
                   "plane angle (shank angle minus thigh angle, outwards positive)"),
         lambda c, a=_hip, b=_knee, d=_ankle, o=_out: float(np.mean(c.window(
             o * (c.series.frontal_angle(b, d) - c.series.frontal_angle(a, b))))))

# --- symmetry ----------------------------------------------------------------------------------
for _joint in ("hip_flexion", "knee_flexion", "arm_swing"):
    _add(Parameter(f"{_joint}_rom_symmetry_pct", "percent",
                   tuple(sorted({i for s in ("left", "right") for i in
                                 (SIDE_LANDMARKS[s][p] for p in _JOINTS[_joint][1])})),
                   BOTH_VIEWS, DYNAMIC, "symmetry",
                   f"Symmetry index 100 (L - R) / mean(L, R) of the {_joint.replace('_', ' ')} "
                   "ranges of motion"),
         lambda c, fn=_JOINTS[_joint][0]: symmetry_pct(
             value_range(c.window(fn(c.series, "left"))),
             value_range(c.window(fn(c.series, "right")))))

# --- waveform: Fourier descriptors of joint-angle curves (gait.walk.waveforms) ----------------

# Parameters whose landmarks depend on the cycle (ipsilateral / contralateral limbs): the
# visibility score uses the landmarks of the limb actually described.
_CYCLE_LANDMARKS: dict[str, Callable[[str], tuple[int, ...]]] = {}  # called with the foot
_WAVE_INDEX = {view: {name: i for i, name in enumerate(wave_names(view))}
               for view in ("side", "front")}

for _channel in wave_channels("side"):
    _words = (WAVE_AXIAL[_channel][1] if _channel in WAVE_AXIAL
              else f"{_channel.split('_', 1)[0]}lateral "
                   f"{WAVE_SEGMENTS[_channel.split('_', 1)[1]][1]}")
    _views = SIDE if _channel.endswith("_foot") else BOTH_VIEWS
    for _term, _term_words in wave_terms():
        _name = wave_parameter_name(_channel, _term)
        _add(Parameter(_name, "degrees", wave_visibility_landmarks(_channel), _views, DYNAMIC,
                       "waveform",
                       f"{_term_words.capitalize()} of the {_words} over the cycle, sampled at "
                       f"{WAVE_POINTS} phases from heel strike to heel strike (side view: "
                       "sagittal plane, forward positive; front view: frontal plane, outwards "
                       "positive)"),
             lambda c, name=_name: wave_values(c)[_WAVE_INDEX[c.series.walk.view][name]])
        _CYCLE_LANDMARKS[_name] = partial(wave_landmarks, _channel)

# --- clothing-robust parameters (see the module docstring) -----------------------------------
# Landmarks below a coat's hem and a bag: the knees, ankles, heels and toes.
_BELOW_CLOTHING = frozenset({lm.L_KNEE, lm.R_KNEE, lm.L_ANKLE, lm.R_ANKLE, lm.L_HEEL, lm.R_HEEL,
                             lm.L_FOOT, lm.R_FOOT})
# Parameters that use the hips only through the pelvis's travel, or a landmark's height over
# the stride (the pelvis cancels out of :meth:`WalkSeries.absolute_y`).
_OFFSET_FREE = frozenset({
    "stride_length_bl", "speed_bl_per_s", "vertical_oscillation_bl", "lateral_sway_bl",
    "head_bob_bl", "toe_lift_left_bl", "toe_lift_right_bl", "heel_lift_left_bl",
    "heel_lift_right_bl"})


def _clothing_robust(parameter: Parameter) -> bool:
    return (parameter.group == "temporal" or parameter.name in _OFFSET_FREE
            or set(parameter.landmarks) <= _BELOW_CLOTHING)


# The face's own landmarks (the nose stands for the head's position and stays).
_FACE = frozenset({lm.L_EYE_INNER, lm.L_EYE, lm.L_EYE_OUTER, lm.R_EYE_INNER, lm.R_EYE,
                   lm.R_EYE_OUTER, lm.L_EAR, lm.R_EAR, lm.MOUTH_L, lm.MOUTH_R})


def _identifies(parameter: Parameter) -> bool:
    return not set(parameter.landmarks) & _FACE


CATALOGUE: tuple[Parameter, ...] = tuple(
    replace(p, clothing_robust=_clothing_robust(p), identifies=_identifies(p))
    for p, _ in _ENTRIES)
_COMPUTE: dict[str, Compute] = {p.name: f for p, f in _ENTRIES}
if len(_COMPUTE) != len(CATALOGUE):
    raise RuntimeError("parameter names in the catalogue must be unique")


def parameters_for_view(view: str) -> tuple[Parameter, ...]:
    """Catalogue entries that apply to ``view``, in catalogue order."""
    return tuple(p for p in CATALOGUE if view in p.views)


def clothing_robust_names(view: str) -> list[str]:
    """Names of the clothing-robust parameters of ``view``, in catalogue order."""
    return [p.name for p in parameters_for_view(view) if p.clothing_robust]


def not_proportion_names(view: str) -> list[str]:
    """Names of the parameters of ``view`` that are not body proportions a coat can move: the
    dynamic ones and the clothing-robust static ones (shank and foot), in catalogue order."""
    return [p.name for p in parameters_for_view(view)
            if p.kind == DYNAMIC or p.clothing_robust]


def visibility_column(name: str) -> str:
    """Name of the visibility column of parameter ``name``."""
    return f"{name}__visibility"


def formula(name: str) -> Compute:
    """The function computing parameter ``name`` on one cycle's window
    (:class:`gait.walk.cycle_window.CycleWindow`): its value in the parameter's unit, NaN
    when the cycle has none."""
    return _COMPUTE[name]


def visibility_landmarks(parameter: Parameter, foot: str) -> tuple[int, ...]:
    """Landmarks whose visibility scores ``parameter`` in a cycle that starts with ``foot``'s
    heel strike: those of the limb a same-side / other-side waveform describes in that cycle,
    else the parameter's own."""
    limb = _CYCLE_LANDMARKS.get(parameter.name)
    return limb(foot) if limb is not None else parameter.landmarks
