"""A one-click demo case of synthetic walkers (clearly labelled: no real person in it).

:func:`build_demo_case` fills a case with a handful of procedural walkers
(:mod:`gait.pose.synthetic`) of different body proportions and walking styles, side- and
front-view clips in both directions, and two evidence clips: one of an enrolled walker
filmed again, and one of a stranger who is not a suspect. It needs no video and no pose
model, and takes a few seconds, so a newcomer can try every page at once and the fast page
tests have a case to work on.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from gait.case.intake import add_keypoint_clip
from gait.case.store import Case, CaseStore, StoreError
from gait.media.keypoints import KeypointSequence, save_npz
from gait.pose.synthetic import WalkerStyle, synthetic_walk

DEMO_CASE_NAME = "Demo (synthetic walkers)"
DEMO_NOTES = ("SYNTHETIC DEMO: every walker in this case is a procedural stick figure made by "
              "gait-ID (gait.pose.synthetic); no real person, no real video.")
DEMO_BUILT = "demo case built"
DEMO_FPS = 30.0
DEMO_DURATION_S = 5.0
DEMO_NOISE_FH = 0.002
OVERLAY_SIZE_PX = (480, 270)
DIRECTIONS_BY_VIEW = {"side": ("right", "left"), "front": ("back", "front")}

_build_lock = threading.Lock()


# Ranges of the walkers' traits: (WalkerStyle field, low, high).
_TRAITS = (
    ("cadence_steps_per_min", 96.0, 128.0),
    ("leg_fh", 0.28, 0.37),
    ("thigh_share", 0.46, 0.54),
    ("trunk_fh", 0.19, 0.25),
    ("upper_arm_fh", 0.095, 0.125),
    ("forearm_fh", 0.085, 0.11),
    ("foot_fh", 0.05, 0.07),
    ("shoulder_width_fh", 0.075, 0.11),
    ("hip_width_fh", 0.05, 0.075),
    ("hip_swing_deg", 16.0, 27.0),
    ("knee_flex_deg", 45.0, 66.0),
    ("arm_swing_deg", 6.0, 30.0),
    ("bob_fh", 0.005, 0.013),
)


def demo_style(index: int, seed: int = 0) -> WalkerStyle:
    """The walking style of synthetic walker ``index`` (different proportions and gait).

    Every trait of walker ``index`` is taken from a low-discrepancy (Kronecker) sequence with
    its own irrational step, so any number of walkers spread evenly over every trait's range
    and no two walkers share one.

    Parameters
    ----------
    index : int
        Walker number (0 = A, 1 = B, ...); any other integer gives another person (the demo's
        stranger is -999).
    seed : int
        Shifts every sequence (another set of people).
    """
    start = np.random.default_rng(seed).uniform(size=len(_TRAITS))
    values = {}
    for k, (name, low, high) in enumerate(_TRAITS):
        step = np.sqrt(float(_PRIMES[k])) % 1.0
        values[name] = low + (high - low) * float((start[k] + index * step) % 1.0)
    leg, share = values.pop("leg_fh"), values.pop("thigh_share")
    return WalkerStyle(thigh_fh=leg * share, shank_fh=leg * (1 - share), **values)


# Primes whose square roots have fractional parts in [0.3, 0.7]: well-spread sequences.
_PRIMES = (2, 7, 11, 13, 19, 29, 31, 41, 43, 59, 71, 73, 107)


def _describe(style: WalkerStyle) -> str:
    leg = style.thigh_fh + style.shank_fh
    return (f"synthetic walker: {style.cadence_steps_per_min:.0f} steps/min, leg "
            f"{leg:.2f} frame heights, hip swing {style.hip_swing_deg:.0f}°, arm swing "
            f"{style.arm_swing_deg:.0f}°")


def _take(style: WalkerStyle, rng: np.random.Generator) -> WalkerStyle:
    """The same person on another take: a slightly different pace and swing."""
    return replace(
        style,
        cadence_steps_per_min=style.cadence_steps_per_min * float(rng.uniform(0.97, 1.03)),
        hip_swing_deg=style.hip_swing_deg + float(rng.uniform(-1, 1)),
        arm_swing_deg=style.arm_swing_deg + float(rng.uniform(-1.5, 1.5)),
    )


def _overlay_sha(store: CaseStore, sequence: KeypointSequence) -> str | None:
    """An H.264 video of the synthetic skeleton on a dark background, stored as a blob."""
    from gait.media.overlay import draw_skeleton, write_h264

    width, height = OVERLAY_SIZE_PX

    def frames():  # type: ignore[no-untyped-def]
        for row, frame_index in enumerate(sequence.frame_index):
            rgb = np.full((height, width, 3), 32, dtype=np.uint8)
            draw_skeleton(rgb, sequence.xyzv[row])
            yield int(frame_index), rgb

    with tempfile.TemporaryDirectory(dir=store.data_dir) as tmp:
        path = write_h264(frames(), Path(tmp) / "overlay.mp4", sequence.fps)
        return store.put_blob(path)


def _add(store: CaseStore, case: Case, suspect_id: int | None, sequence: KeypointSequence,
         name: str, view: str, direction: str, role: str, actor: str, overlay: bool) -> None:
    with tempfile.TemporaryDirectory(dir=store.data_dir) as tmp:
        path = save_npz(sequence, Path(tmp) / name)
        sha = store.put_blob(path)
    report = add_keypoint_clip(
        store, case.case_id, suspect_id, sequence, sha, name, view, direction,
        condition="normal", source="synthetic", role=role, actor=actor,
        overlay_sha256=_overlay_sha(store, sequence) if overlay else None)
    if report.clip is None:
        raise StoreError(f"demo clip {name} was refused: {report.refused_reason}")


def build_demo_case(store: CaseStore, n_suspects: int = 5, clips_per_suspect: int = 4,
                    seed: int = 0, actor: str = "") -> Case:
    """Build (or return) the synthetic demo case.

    Parameters
    ----------
    store : CaseStore
    n_suspects : int
        Synthetic walkers enrolled as suspects (2 to 26), named "Walker A", "Walker B", ...
    clips_per_suspect : int
        Clips per walker *per view* (side and front), alternating the walking direction.
    seed : int
        Seed of the walkers' styles and noise.
    actor : str

    Returns
    -------
    Case
        Named :data:`DEMO_CASE_NAME` (followed by the user name on a store acting for a user:
        each investigator has their own), ``synthetic=True``. A second call returns the same
        case without adding anything; an interrupted build is completed.
    """
    if not 2 <= n_suspects <= 26 or clips_per_suspect < 1:
        raise StoreError("the demo needs 2 to 26 suspects and at least one clip each")
    case_name = DEMO_CASE_NAME if store.user is None else \
        f"{DEMO_CASE_NAME} ({store.user.user_name})"
    with _build_lock:
        case = store.case_by_name(case_name)
        if case is not None and any(e.action == DEMO_BUILT for e in store.audit(case.case_id)):
            return case
        if case is None:
            try:
                case = store.create_case(case_name, DEMO_NOTES, synthetic=True, actor=actor)
            except StoreError:  # made by another process a moment ago
                case = store.case_by_name(case_name)
                if case is None:
                    raise
        have = {c.original_name for c in store.clips(case.case_id)}
        rng = np.random.default_rng(seed)
        for index in range(n_suspects):
            letter = chr(ord("A") + index)
            style = demo_style(index, seed)
            suspect = store.suspect_by_name(case.case_id, f"Walker {letter}")
            if suspect is None:
                suspect = store.add_suspect(case.case_id, f"Walker {letter}",
                                            notes=_describe(style), actor=actor)
            for view, directions in DIRECTIONS_BY_VIEW.items():
                for take in range(clips_per_suspect):
                    direction = directions[take % 2]
                    name = f"walker_{letter}_{view}_{direction}_{take + 1}.npz"
                    clip_seed = int(rng.integers(2**31))
                    take_style = _take(style, np.random.default_rng(clip_seed))
                    if name in have:
                        continue
                    sequence = synthetic_walk(
                        take_style, view=view, duration_s=DEMO_DURATION_S, fps=DEMO_FPS,
                        direction=direction, noise_fh=DEMO_NOISE_FH, seed=clip_seed,
                        clip_id=Path(name).stem)
                    _add(store, case, suspect.suspect_id, sequence, name, view, direction,
                         "enrolment", actor, overlay=index == 0 and take == 0 and view == "side")
        evidence = (
            ("evidence_walker_A_side.npz", _take(demo_style(0, seed), rng), "left"),
            ("evidence_stranger_side.npz", demo_style(-999, seed), "right"),
        )
        for name, style, direction in evidence:
            clip_seed = int(rng.integers(2**31))
            if name in have:
                continue
            sequence = synthetic_walk(style, view="side", duration_s=DEMO_DURATION_S + 1,
                                      fps=DEMO_FPS, direction=direction,
                                      noise_fh=DEMO_NOISE_FH, seed=clip_seed,
                                      clip_id=Path(name).stem)
            _add(store, case, None, sequence, name, "side", direction, "evidence", actor,
                 overlay=True)
        store.log(DEMO_BUILT, case.case_id, {"n_suspects": n_suspects,
                                             "clips_per_suspect": clips_per_suspect,
                                             "seed": seed}, actor)
        return case
