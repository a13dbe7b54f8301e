"""Tests of gait.case.side_by_side: cycles paired by foot, the video, its cache."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from gait.case.clip_analysis import clip_analysis
from gait.case.side_by_side import (
    FPS,
    default_enrolment_clip,
    differences_with,
    full_cycles,
    joints_of,
    pair_cycles,
    side_by_side,
)
from gait.case.store import CaseStore, StoreError
from gait.walk.cycles import GaitCycle


def _cycle(foot: str, start_s: float) -> GaitCycle:
    nan = float("nan")
    return GaitCycle(0, foot, start_s, start_s + 1.0, nan, nan, nan)


def test_cycles_are_paired_with_the_same_foot_in_turn() -> None:
    evidence = [_cycle("left", 0), _cycle("right", 0.5), _cycle("left", 1), _cycle("left", 2)]
    suspect = [_cycle("right", 10), _cycle("left", 10.5), _cycle("left", 11.5)]
    pairs = pair_cycles(evidence, suspect, max_cycles=4)
    assert [(e.start_s, s.start_s) for e, s in pairs] == [(0, 10.5), (0.5, 10), (1, 11.5),
                                                          (2, 10.5)]
    assert len(pair_cycles(evidence, suspect, max_cycles=2)) == 2
    only_right = pair_cycles([_cycle("left", 0)], [_cycle("right", 3)])
    assert only_right[0][1].start_s == 3  # any foot when the suspect has none of that foot


def test_joints_of_parameters() -> None:
    assert joints_of("knee_flexion_max_deg") == (25, 26)
    assert joints_of("arm_swing_rom_left_deg") == (13, 15)
    assert joints_of("wave_ipsi_shank_h1cos_deg") == (25, 26, 27, 28)
    assert joints_of("double_support_frac") == ()


def test_the_video_pairs_cycles_and_is_made_once(identified_case: tuple[Path, int, int]
                                                 ) -> None:
    data_dir, case_id, identification_id = identified_case
    store = CaseStore(data_dir)
    evidence = store.clip(store.identification(identification_id).clip_id)
    suspect = store.suspects(case_id)[0]
    enrolment = default_enrolment_clip(store, evidence, suspect.suspect_id)
    assert enrolment is not None and enrolment.suspect_id == suspect.suspect_id
    differences = differences_with(store, evidence, suspect.name)
    sizes = [abs(d.standardised) for d in differences]
    assert sizes and sizes == sorted(sizes, reverse=True)
    path = side_by_side(store, evidence, enrolment, suspect.name, differences)
    pairs = pair_cycles(full_cycles(clip_analysis(store, evidence)),
                        full_cycles(clip_analysis(store, enrolment)))
    expected = sum(max(8, round(e.duration_s * FPS)) for e, _ in pairs)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert sum(1 for _ in container.decode(stream)) == expected
    made = path.stat().st_mtime_ns
    assert side_by_side(store, evidence, enrolment, suspect.name, differences) == path
    assert path.stat().st_mtime_ns == made
    front = next(c for c in store.clips(case_id, role="enrolment", view="front"))
    with pytest.raises(StoreError, match="side by side needs one view"):
        side_by_side(store, evidence, front, suspect.name)
