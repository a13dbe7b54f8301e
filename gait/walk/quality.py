"""Is a clip good enough for gait analysis? Quality cards and tracking warnings.

Two kinds of reasons to distrust a clip: what its keypoints show (few frames with the person,
low landmark visibility, few gait cycles, a low frame rate, a damaged video) and what the
person tracker saw while extracting them (a small person, a crowd, another walker; see
:func:`tracking_warnings`). The command line and the dashboard apply the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gait.media.keypoints import KeypointSequence
from gait.walk.cycles import HALF_CYCLE_WEIGHT, GaitAnalysis, analyse_gait
from gait.walk.parameter_table import parameter_values
from gait.walk.sequence import implausible_pose_fraction

# Quality-card thresholds.
LOW_VISIBILITY = 0.5
MIN_PERSON_FRACTION = 0.5
FEW_CYCLES = 3
LOW_FPS = 20.0
BODY_LANDMARKS = slice(11, 33)
# Front views: share of samples whose left/right labels the cleaning exchanged because the pose
# model took the person to face the other way (shared data, mean per clip: first day 0.2 % of
# walks towards the camera, 1 % of walks away; another day 8 % of walks away, 12 % of that
# day's front clips above 10 %).
MANY_FACING_FLIPS = 0.1
# Walking angle (gait.walk.sequence.walking_angle_deg) above which the card says so. Shared
# data, 10th-90th percentile: straight walks 0.1-5.3 degrees (both views, both sessions, with
# bags and coats; the largest 8.7 but for an enrolment clip whose walker stands still); the
# walks at an angle of evidence_covariates_dev 21-25 degrees (side) and 15-17 (front).
OBLIQUE_WALK_DEG = 10.0
# Share of the frames with a person whose pose the cleaning left out, the legs out of
# proportion with the trunk (gait.walk.body_proportions.implausible_poses). Shared data: walks
# towards the front camera whose start is partly hidden, 8 of the 100 enrolment clips and 7 of
# the 55 of another day above it; walks across the frame or away from the camera none (of 459).
MANY_IMPLAUSIBLE_POSES = 0.1
# Side views: the arms' swing, the median over the cycles of each shoulder-to-wrist range over a
# stride. Shared data, side: normal walks swing at most 72 degrees (242 clips of both days);
# above ARM_LOST_DEG the landmarks of a hidden arm wander (coats 6 of 20 clips, up to 354
# degrees; walks at an angle 1 of 20; bags 0). One arm below ONE_ARM_SWING_RATIO of the other
# (which swings at least ARM_SWING_MIN_DEG): enrolment 2 of 192 clips (one person), another
# day 0 of 50, bags 0 of 20 (these hang from a shoulder). Front views have neither check:
# their arm swing comes from MediaPipe's depth (28 of 202 enrolment clips below the ratio).
ARM_LOST_DEG = 90.0
ONE_ARM_SWING_RATIO = 1 / 3
ARM_SWING_MIN_DEG = 10.0

# Tracking warnings (measured on the shared clips: crowd 82 px tall, 6 people, rival score
# ratio 0.80; CASIA-B walkers 117-134 px; the two-people park clip ratio 0.40; landmark heights
# of the detector-found walkers: crowd 90 px, CASIA-B 001 122-124 px).
MIN_PERSON_HEIGHT_PX = 100.0
CROWD_MIN_PEOPLE = 4
CROWD_TRACK_MIN_S = 1.0
RIVAL_SCORE_RATIO = 0.7


def tracking_warnings(meta: Mapping[str, Any], fps: float) -> list[dict[str, str]]:
    """Reasons to distrust a clip extracted from video, from its extraction metadata.

    Parameters
    ----------
    meta : mapping
        ``KeypointSequence.meta`` as written by :func:`gait.pose.extraction.extract_keypoints`
        (``person_tracks``, ``selected_track``, ``person_height_px``; metadata without the
        last, from older extractions, gives the track's ``median_height_px``). Keypoints
        without person tracks (e.g. the imported shared data) give no warning.
    fps : float
        Frame rate of the clip.

    Returns
    -------
    list of dict
        ``{"code", "message"}`` per problem, codes ``small_person`` (the analysed person's
        median landmark height is under :data:`MIN_PERSON_HEIGHT_PX`), ``crowded_scene`` (at least
        :data:`CROWD_MIN_PEOPLE` person tracks on screen for :data:`CROWD_TRACK_MIN_S` s or
        more) and ``rival_walker`` (another track's selection score is at least
        :data:`RIVAL_SCORE_RATIO` of the analysed person's). Empty: no known problem.
    """
    tracks = meta.get("person_tracks") or []
    selected = meta.get("selected_track")
    if not isinstance(tracks, list) or not isinstance(selected, int):
        return []
    if not 0 <= selected < len(tracks):
        return []
    warnings: list[dict[str, str]] = []
    person = tracks[selected]
    height = float(meta.get("person_height_px", person.get("median_height_px", float("nan"))))
    if height < MIN_PERSON_HEIGHT_PX:
        warnings.append({
            "code": "small_person",
            "message": f"the person analysed is only {height:.0f} px tall (under "
                       f"{MIN_PERSON_HEIGHT_PX:.0f} px): landmarks and gait parameters are "
                       "unreliable",
        })
    min_frames = CROWD_TRACK_MIN_S * fps
    people = sum(1 for t in tracks if float(t.get("n_frames", 0)) >= min_frames)
    if people >= CROWD_MIN_PEOPLE:
        warnings.append({
            "code": "crowded_scene",
            "message": f"crowded scene: {people} people on screen for {CROWD_TRACK_MIN_S:g} s "
                       "or more; the person analysed may be confused with others",
        })
    score = float(person.get("score", 0.0))
    rivals = [float(t.get("score", 0.0)) for i, t in enumerate(tracks) if i != selected]
    if score > 0 and rivals and max(rivals) >= RIVAL_SCORE_RATIO * score:
        warnings.append({
            "code": "rival_walker",
            "message": f"another person walks nearly as much as the one analysed (score "
                       f"{max(rivals):.1f} vs {score:.1f}); check in the overlay that the "
                       "right person is followed",
        })
    return warnings


def arm_swing_ranges_deg(analysis: GaitAnalysis) -> tuple[float, float]:
    """Left and right arm swing (shoulder-to-wrist range over a stride, degrees), medians over
    the cycles of ``analysis``; NaN without a cycle."""
    ranges = parameter_values(analysis, "arm_swing_rom_left_deg", "arm_swing_rom_right_deg")
    if not len(ranges) or np.isnan(ranges).all(axis=0).any():
        return float("nan"), float("nan")
    left, right = np.nanmedian(ranges, axis=0)
    return float(left), float(right)


def _arm_warnings(left_deg: float, right_deg: float) -> list[str]:
    """The side view's warnings about the arms, from their swing ranges (degrees)."""
    (still, still_arm), (swinging, swinging_arm) = sorted(
        [(left_deg, "left"), (right_deg, "right")])
    if swinging > ARM_LOST_DEG:
        return [f"the {swinging_arm} arm's landmarks swing through {swinging:.0f} degrees a "
                "stride, more than arms swing: the pose model loses an arm hidden by a coat, "
                "a bag or the body, and the arm parameters are unreliable"]
    if swinging >= ARM_SWING_MIN_DEG and still < ONE_ARM_SWING_RATIO * swinging:
        return [f"the {still_arm} arm hardly swings ({still:.0f} degrees against "
                f"{swinging:.0f} for the other: a bag, a hand in a pocket?): the arm "
                "parameters describe that, not the person's usual walk"]
    return []


def walk_angle_deg(analysis: GaitAnalysis) -> float:
    """Walking angle of a clip's longest walk in degrees, in [0, 90]
    (:attr:`gait.walk.sequence.CleanWalk.walking_angle_deg`); 0 without a walk."""
    walks = analysis.all_walks
    return max(walks, key=lambda w: w.n_samples).walking_angle_deg if walks else 0.0


@dataclass(frozen=True)
class QualityCard:
    """What a clip offers for gait analysis.

    Attributes
    ----------
    n_frames : int
        Frames kept from the video.
    frames_with_person : int
        Frames where the walking person was found.
    mean_visibility : float
        Mean MediaPipe visibility of the body landmarks (11-32) over frames with the person,
        in [0, 1].
    n_cycles : int
        Complete gait cycles (strides) found.
    duration_s : float
    warnings : tuple of str
        Readable warnings (low visibility, small or several people, few cycles, low fps ...).
    usable : bool
        True when at least one gait cycle was found.
    reason : str or None
        Why the clip is not usable (``None`` when it is).
    """

    n_frames: int
    frames_with_person: int
    mean_visibility: float
    n_cycles: int
    duration_s: float
    warnings: tuple[str, ...]
    usable: bool
    reason: str | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "warnings", tuple(self.warnings))
        if self.usable and self.reason:
            raise ValueError("a usable clip has no refusal reason")

    @classmethod
    def refused(cls, reason: str) -> QualityCard:
        """The card of a file that could not be analysed at all."""
        return cls(0, 0, 0.0, 0, 0.0, (), False, reason)


def mean_body_visibility(sequence: KeypointSequence) -> float:
    """Mean visibility of the body landmarks (11-32) over frames with the person, in [0, 1]."""
    detected = sequence.detected
    if not detected.any():
        return 0.0
    return float(np.nanmean(sequence.xyzv[detected][:, BODY_LANDMARKS, 3]))


def quality_card(sequence: KeypointSequence, view: str,
                 analysis: GaitAnalysis | None = None, direction: str = "unknown") -> QualityCard:
    """Assess a clip's keypoints for gait analysis.

    Parameters
    ----------
    sequence : KeypointSequence
    view : {"side", "front"}
    analysis : GaitAnalysis, optional
        ``analyse_gait(sequence, view)`` when already computed.
    direction : str
        The walking direction entered by the user; a warning is given when the walk goes the
        other way.

    Returns
    -------
    QualityCard
        ``usable`` is False, with the reason, when not even one step was found; a walk of
        steps only is usable, with a warning (half cycles, :data:`gait.walk.cycles.
        HALF_CYCLE_WEIGHT`).
    """
    analysis = analysis or analyse_gait(sequence, view)
    n_frames = sequence.n_frames
    with_person = int(sequence.detected.sum())
    visibility = mean_body_visibility(sequence)
    n_cycles = len(analysis.cycles)
    warnings: list[str] = []
    meta = sequence.meta
    if with_person and visibility < LOW_VISIBILITY:
        warnings.append(f"low landmark visibility (mean {visibility:.2f}): parts of the body "
                        "are hidden or blurred")
    if n_frames and with_person < MIN_PERSON_FRACTION * n_frames:
        warnings.append(f"the person is found in only {with_person / n_frames:.0%} of the "
                        "frames")
    warnings += [w["message"] for w in tracking_warnings(meta, sequence.fps)]
    if analysis.from_steps:
        steps = f"{n_cycles} step{'s' if n_cycles > 1 else ''}"
        warnings.append(f"no complete gait cycle, only {steps}: identified from half cycles "
                        f"(each step completed by its mirror image, weight "
                        f"{HALF_CYCLE_WEIGHT:g} against a full cycle's 1)")
    elif 0 < n_cycles < FEW_CYCLES:
        warnings.append(f"only {n_cycles} gait cycle{'s' if n_cycles > 1 else ''} found: a "
                        "longer walk gives a more reliable identification")
    if sequence.fps < LOW_FPS:
        warnings.append(f"low frame rate ({sequence.fps:.0f} fps): gait events are less precise")
    if meta.get("decode_errors"):
        warnings.append(f"{meta['decode_errors']} frame(s) could not be decoded")
    if meta.get("stopped_early"):
        warnings.append("the video ends early (damaged or truncated file?)")
    implausible = implausible_pose_fraction(sequence)
    if implausible > MANY_IMPLAUSIBLE_POSES:
        warnings.append(f"the pose model drew the legs out of proportion with the trunk in "
                        f"{implausible:.0%} of the frames with the person (part of the body "
                        "hidden or outside the frame?): those frames were left out")
    flips = analysis.relabelled_fraction
    if view == "front" and flips > MANY_FACING_FLIPS:
        warnings.append(f"the pose model took the person to face the other way in {flips:.0%} "
                        "of the frames; their left and right labels were exchanged back "
                        "(check the overlay)")
    angle = walk_angle_deg(analysis)
    if angle > OBLIQUE_WALK_DEG:
        axis = "image plane" if view == "side" else "camera's axis"
        warnings.append(f"the person walks at about {angle:.0f} degrees to the {axis}, not "
                        f"{'across' if view == 'side' else 'along'} it: projected lengths and "
                        "angles change with the angle (the enrolment walks are straight)")
    if view == "side" and analysis.cycles:
        warnings += _arm_warnings(*arm_swing_ranges_deg(analysis))
    if direction not in ("", "unknown") and analysis.walks and analysis.direction not in (
            "unknown", direction):
        warnings.append(f"the walk looks {analysis.direction}-ward, not {direction} as entered")
    usable = analysis.sufficient
    reason = None if usable else (analysis.insufficient_reason or "no complete gait cycle found")
    return QualityCard(n_frames, with_person, visibility, n_cycles, sequence.duration_s,
                       tuple(warnings), usable, reason)
