"""The synthetic demo case: fast, clearly labelled, complete, idempotent."""

from __future__ import annotations

import time
from pathlib import Path

from gait.case.demo import DEMO_CASE_NAME, build_demo_case, demo_style
from gait.case.store import NEXT_TRAIN, CaseStore
from gait.case.tables import case_table
from gait.media.video import probe_video


def test_demo_case_is_fast_labelled_and_complete(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    started = time.perf_counter()
    case = build_demo_case(store, actor="session-1")
    assert time.perf_counter() - started < 30  # a few seconds on an idle machine
    assert case.synthetic and case.name == DEMO_CASE_NAME and "synthetic" in case.name
    assert "SYNTHETIC" in case.notes
    suspects = store.suspects(case.case_id)
    assert [s.name for s in suspects] == [f"Walker {c}" for c in "ABCDE"]
    summary = store.summary(case.case_id)
    assert summary.clips_by_view == {"side": 20, "front": 20}
    assert summary.n_evidence_clips == 2
    assert summary.next_step == NEXT_TRAIN
    for suspect in suspects:
        clips = store.clips(case.case_id, suspect_id=suspect.suspect_id)
        assert {(c.view, c.direction) for c in clips} == {
            ("side", "left"), ("side", "right"), ("front", "front"), ("front", "back")}
        assert all(c.source == "synthetic" and c.n_cycles >= 3 for c in clips)
    evidence = store.clips(case.case_id, role="evidence")
    assert {c.original_name for c in evidence} == {"evidence_walker_A_side.npz",
                                                   "evidence_stranger_side.npz"}
    assert all(c.suspect_id is None and c.n_cycles >= 3 for c in evidence)
    overlay = store.overlay_path(evidence[0])
    assert overlay is not None and probe_video(overlay).duration_s > 0
    for view in ("side", "front"):
        assert len(case_table(store, case.case_id, view).subjects) == 5

    # Idempotent: a second call (even after a restart) adds nothing.
    n_events = len(store.audit())
    again = build_demo_case(CaseStore(tmp_path))
    assert again == case
    assert len(store.cases()) == 1 and len(store.audit()) == n_events


def test_walkers_differ(tmp_path: Path) -> None:
    styles = [demo_style(i) for i in range(5)]
    assert len({round(s.cadence_steps_per_min, 1) for s in styles}) == 5
    assert len({round(s.thigh_fh + s.shank_fh, 3) for s in styles}) == 5
    assert demo_style(0) == demo_style(0)
