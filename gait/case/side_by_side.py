"""Side by side, for case reviews: the evidence walker and a suspect's enrolment walk as
skeletons, time-aligned on their gait cycles, as a browser-playable H.264 MP4.

Both walkers are drawn from their cleaned walks (:class:`gait.walk.sequence.CleanWalk`):
pelvis-centred, scaled to body lengths and turned to the same walking direction, so a
difference on screen is a difference of gait, not of camera distance or direction. Each
evidence cycle (heel strike to heel strike) is paired with a suspect cycle of the same foot,
and the suspect's cycle is time-warped onto the evidence's, so both heel strikes fall on the
same frame: the evidence plays at its own speed. The landmarks behind the parameters that
differ most are ringed, and the parameters are listed under the skeletons.

Videos are kept in the data folder (``reviews/``), named by what they show (both keypoint
files, the analysis version and the parameters listed), so none is made twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from gait.case.clip_analysis import analysis_version, clip_analysis, clip_frame
from gait.case.comparisons import compare_parameters
from gait.case.store import CaseStore, Clip, StoreError
from gait.case.tables import case_table
from gait.media.overlay import draw_skeleton, write_h264
from gait.walk.cycles import GaitAnalysis, GaitCycle

PANEL_W_PX, PANEL_H_PX, TEXT_H_PX = 360, 480, 96
BODY_LENGTH_PX = 260.0  # one body length (trunk + leg) on screen
PELVIS_AT = (0.5, 0.38)  # where the pelvis is drawn, as a share of the panel
FPS = 30.0
MAX_CYCLES = 4
HIGHLIGHT_RGB = (255, 230, 0)
# Landmarks behind a parameter, by a word of its name (MediaPipe numbers left landmarks odd
# and right ones even from 11 on).
_JOINTS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("knee", (25, 26)), ("ankle", (27, 28)), ("heel", (29, 30)), ("toe", (31, 32)),
    ("foot", (31, 32)), ("hip", (23, 24)), ("pelvi", (23, 24)), ("step", (29, 30)),
    ("stride", (29, 30)), ("thigh", (23, 24, 25, 26)), ("shank", (25, 26, 27, 28)),
    ("elbow", (13, 14)), ("arm", (13, 14, 15, 16)), ("wrist", (15, 16)),
    ("hand", (15, 16, 19, 20)), ("shoulder", (11, 12)), ("trunk", (11, 12, 23, 24)),
    ("head", (0,)), ("neck", (0, 11, 12)), ("eye", (2, 5)),
)


@dataclass(frozen=True)
class Difference:
    """A parameter listed under the skeletons.

    Attributes
    ----------
    parameter, unit : str
    evidence, suspect : float
        Medians of the evidence and of the suspect's enrolment.
    standardised : float
        (evidence - suspect) / the suspect's spread.
    """

    parameter: str
    unit: str
    evidence: float
    suspect: float
    standardised: float


def joints_of(parameter: str) -> tuple[int, ...]:
    """The landmarks a parameter is measured on (by the words of its name)."""
    words = parameter.lower()
    joints = {i for word, found in _JOINTS if word in words for i in found}
    for side, parity in (("_left", 0), ("_right", 1)):
        if side in words:  # one side's landmarks only
            joints = {i for i in joints if i <= 10 or i % 2 != parity}
    return tuple(sorted(joints))


def full_cycles(analysis: GaitAnalysis) -> list[GaitCycle]:
    """The complete gait cycles of a clip (its half cycles when it has none)."""
    full = [c for c in analysis.cycles if not c.from_step]
    return full or list(analysis.cycles)


def pair_cycles(evidence: Sequence[GaitCycle], suspect: Sequence[GaitCycle],
                max_cycles: int = MAX_CYCLES) -> list[tuple[GaitCycle, GaitCycle]]:
    """Each evidence cycle (at most ``max_cycles``) with a suspect cycle of the same foot,
    taken in turn (any foot when the suspect has none of that foot)."""
    pairs = []
    used: dict[str, int] = {}
    for cycle in list(evidence)[:max_cycles]:
        same = [c for c in suspect if c.foot == cycle.foot] or list(suspect)
        k = used.get(cycle.foot, 0)
        pairs.append((cycle, same[k % len(same)]))
        used[cycle.foot] = k + 1
    return pairs


def _poses(analysis: GaitAnalysis, cycle: GaitCycle, n: int) -> np.ndarray:
    """Landmarks of ``cycle`` at ``n`` evenly spaced phases, shape (n, 33, 4): x, y in the
    panel (normalised), z 0, visibility."""
    walk = analysis.all_walks[cycle.walk_index]
    t = np.linspace(cycle.start_s, cycle.end_s, n)
    out = np.zeros((n, 33, 4))
    for j in range(33):  # x: forward (side view) or to the right (front view); y: down
        for axis in (0, 1):
            out[:, j, axis] = np.interp(t, walk.time_s, walk.xyz_bl[:, j, axis])
        out[:, j, 3] = np.interp(t, walk.time_s, walk.visibility[:, j])
    out[..., 0] = PELVIS_AT[0] + out[..., 0] * BODY_LENGTH_PX / PANEL_W_PX
    out[..., 1] = PELVIS_AT[1] + out[..., 1] * BODY_LENGTH_PX / PANEL_H_PX
    return out


def _panel(pose: np.ndarray, title: str, highlight: tuple[int, ...]) -> np.ndarray:
    rgb = np.full((PANEL_H_PX, PANEL_W_PX, 3), 24, np.uint8)
    draw_skeleton(rgb, pose)
    for j in highlight:
        centre = (int(pose[j, 0] * PANEL_W_PX), int(pose[j, 1] * PANEL_H_PX))
        cv2.circle(rgb, centre, 11, HIGHLIGHT_RGB, 2, cv2.LINE_AA)
    cv2.putText(rgb, title, (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255,) * 3, 1,
                cv2.LINE_AA)
    return rgb


def _caption(differences: Sequence[Difference], line: str) -> np.ndarray:
    rgb = np.full((TEXT_H_PX, 2 * PANEL_W_PX, 3), 0, np.uint8)
    cv2.putText(rgb, line, (10, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255,) * 3, 1, cv2.LINE_AA)
    for k, d in enumerate(differences[:3]):
        text = (f"{d.parameter}: evidence {d.evidence:.3g}, suspect {d.suspect:.3g} {d.unit} "
                f"({d.standardised:+.1f} sd)")
        cv2.putText(rgb, text[:88], (10, 44 + 22 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    HIGHLIGHT_RGB, 1, cv2.LINE_AA)
    return rgb


def differences_with(store: CaseStore, evidence: Clip, suspect: str) -> list[Difference]:
    """The evidence's gait parameters against ``suspect``'s enrolment, largest standardised
    difference first (parameters that cannot be compared left out)."""
    frame, _ = clip_frame(store, evidence, "", evidence.view)
    enrolment = case_table(store, evidence.case_id, evidence.view).frame
    mine = enrolment[enrolment["subject"] == suspect]
    if frame.empty or mine.empty:
        return []
    table = compare_parameters(frame, mine, enrolment, evidence.view).dropna(
        subset=["standardised_difference"])
    table = table.reindex(table["standardised_difference"].abs()
                          .sort_values(ascending=False).index)
    return [Difference(r.parameter, r.unit, float(r.evidence_median), float(r.suspect_median),
                       float(r.standardised_difference)) for r in table.itertuples()]


def default_enrolment_clip(store: CaseStore, evidence: Clip, suspect_id: int) -> Clip | None:
    """The suspect's enrolment clip to compare with: same view, the evidence's walking
    direction where there is one, then the most gait cycles."""
    clips = [c for c in store.clips(evidence.case_id, view=evidence.view, role="enrolment")
             if c.suspect_id == suspect_id and c.n_cycles > 0]
    return max(clips, key=lambda c: (c.direction == evidence.direction, c.n_cycles,
                                     -c.clip_id), default=None)


def review_path(store: CaseStore, evidence: Clip, enrolment: Clip,
                differences: Sequence[Difference]) -> Path:
    """Where the side-by-side video of these clips is kept."""
    key = "|".join([evidence.keypoints_sha256, enrolment.keypoints_sha256, analysis_version(),
                    *(f"{d.parameter}:{d.evidence:.4g}:{d.suspect:.4g}" for d in differences)])
    name = hashlib.sha256(key.encode()).hexdigest()[:24]
    return store.data_dir / "reviews" / f"{name}.mp4"


def side_by_side(store: CaseStore, evidence: Clip, enrolment: Clip, suspect: str,
                 differences: Sequence[Difference] = ()) -> Path:
    """The side-by-side video of an evidence clip and a suspect's enrolment clip.

    Parameters
    ----------
    store : CaseStore
    evidence, enrolment : Clip
        Of the same view.
    suspect : str
        The enrolment clip's suspect (for the title).
    differences : sequence of Difference
        The parameters that differ most, largest first (the first three are listed, and their
        landmarks ringed).

    Returns
    -------
    Path
        The H.264 MP4 (made once; later calls return the kept file).

    Raises
    ------
    StoreError
        If the views differ or a clip has no gait cycle.
    """
    if evidence.view != enrolment.view:
        raise StoreError(f"the evidence is a {evidence.view}-view clip and the enrolment clip "
                         f"a {enrolment.view}-view clip: side by side needs one view")
    out = review_path(store, evidence, enrolment, differences)
    if out.is_file():
        return out
    analyses = [clip_analysis(store, c, evidence.view) for c in (evidence, enrolment)]
    for clip, analysis in zip((evidence, enrolment), analyses, strict=True):
        if not analysis.cycles:
            raise StoreError(f"clip #{clip.clip_id} ({clip.original_name}) has no gait cycle "
                             "to show")
    pairs = pair_cycles(full_cycles(analyses[0]), full_cycles(analyses[1]))
    highlight = tuple(sorted({j for d in differences[:3] for j in joints_of(d.parameter)}))

    def frames() -> Iterator[tuple[int, np.ndarray]]:
        index = 0
        for k, (ev_cycle, su_cycle) in enumerate(pairs):
            n = max(8, round(ev_cycle.duration_s * FPS))
            ev_poses = _poses(analyses[0], ev_cycle, n)
            su_poses = _poses(analyses[1], su_cycle, n)
            line = (f"cycle {k + 1} of {len(pairs)} ({ev_cycle.foot} heel strike to heel "
                    f"strike): evidence {ev_cycle.duration_s:.2f} s, suspect "
                    f"{su_cycle.duration_s:.2f} s")
            caption = _caption(differences, line)
            for i in range(n):
                phase = f"  {100 * i / n:3.0f} %"
                top = np.hstack([
                    _panel(ev_poses[i], f"evidence #{evidence.clip_id}{phase}", highlight),
                    _panel(su_poses[i], f"{suspect[:18]} #{enrolment.clip_id}{phase}",
                           highlight)])
                yield index, np.vstack([top, caption])
                index += 1

    return write_h264(frames(), out, FPS)
