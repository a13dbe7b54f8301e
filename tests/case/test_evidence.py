"""Tests of gait.case.evidence: identifying evidence with a case's model, recorded in the case."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gait.case.comparisons import COMPARISON_COLUMNS
from gait.case.demo import build_demo_case
from gait.case.evidence import identify_clip
from gait.case.intake import add_keypoint_clip
from gait.case.store import CaseStore, StoreError
from gait.case.training import (
    METRIC_CLIP_RANK1,
    METRIC_CONFUSION,
    METRIC_EVAL_SKIPPED,
    METRIC_PER_SUSPECT,
    train_case_model,
)
from gait.identification.identify import INSUFFICIENT, MATCH, NO_MATCH
from gait.media.keypoints import load_npz, save_npz
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.parameters import parameters_for_view
from tests.helpers import small_model_settings


@pytest.mark.slow
def test_train_and_identify_on_the_demo_case(tmp_path: Path, shared_data: Path) -> None:
    store = CaseStore(tmp_path)
    case = build_demo_case(store, n_suspects=3, clips_per_suspect=2)
    epochs: list[int] = []
    stages: list[tuple[str, int, int]] = []
    record = train_case_model(store, case.case_id, "side", with_visibility=False,
                              on_epoch=lambda e, logs: epochs.append(e),
                              progress=lambda *a: stages.append(a), actor="trainer",
                              settings=replace(small_model_settings(), robust_members=1))
    assert epochs and stages[-1] == ("evaluation", 2, 2)
    metrics = record.metrics
    assert record.suspects == ("Walker A", "Walker B", "Walker C")
    assert not record.with_visibility and record.added_by == "trainer"
    assert metrics[METRIC_EVAL_SKIPPED] is None
    assert 0.0 <= metrics[METRIC_CLIP_RANK1] <= 1.0
    assert set(metrics[METRIC_PER_SUSPECT]) == set(record.suspects)
    confusion = metrics[METRIC_CONFUSION]
    assert np.asarray(confusion["counts"]).sum() == 6 and len(confusion["labels"]) == 3
    assert metrics["n_cycles"] > 0 and metrics["training_s"] > 0
    assert (tmp_path / "models" / str(record.model_id) / "model.keras").is_file()

    restarted = CaseStore(tmp_path)
    assert restarted.models(case.case_id, view="side") == [record]
    evidence = restarted.clips(case.case_id, role="evidence")
    outcome = identify_clip(restarted, case.case_id, evidence[0].clip_id, record.model_id,
                            actor="investigator")
    ident = outcome.identification
    assert ident.verdict in (MATCH, NO_MATCH)
    assert [s for s, _ in ident.ranking] and outcome.compared_suspect == ident.ranking[0][0]
    comparison = outcome.comparison
    assert tuple(comparison.columns) == COMPARISON_COLUMNS
    assert len(comparison) == len(parameters_for_view("side"))
    finite = comparison["standardised_difference"].abs().dropna().to_numpy()
    assert np.all(np.diff(finite) >= 0)
    stored = restarted.identifications(case.case_id)
    assert stored == [outcome.record]
    result = outcome.record.result
    assert result["clip"]["keypoints_sha256"] == evidence[0].keypoints_sha256
    # The limitation sentence follows the model's own outline rule (what its ranking used).
    assert result["outline_changed"] == list(ident.outline_changed)
    assert bool(result["conditions"]) == (outcome.compared_suspect in ident.outline_changed)
    assert restarted.audit(case.case_id)[-1].action == "identification"
    assert restarted.audit(case.case_id)[-1].actor == "investigator"
    assert restarted.summary(case.case_id).n_identifications == 1
    assert not ident.off_axis and result["off_axis"] is False

    # A real walk 24 degrees off the side camera's axis is ranked on the clothing-robust
    # towers, and the stored identification says so among its conditions.
    angled = shared_data / "keypoints" / "evidence_covariates_dev" / "S13_side_left_angle_1.npz"
    walk = add_keypoint_clip(restarted, case.case_id, None, load_npz(angled),
                             restarted.put_blob(angled), angled.name, "side", "left",
                             condition="angle", role="evidence")
    assert walk.clip is not None
    assert any("degrees to the image plane" in w for w in walk.quality.warnings)
    oblique = identify_clip(restarted, case.case_id, walk.clip.clip_id, record.model_id)
    said, = [i.result for i in CaseStore(tmp_path).identifications(case.case_id)
             if i.identification_id == oblique.record.identification_id]
    assert oblique.identification.off_axis and said["off_axis"] is True
    assert any("off the camera's axis" in c for c in said["conditions"])

    standing = synthetic_walk(WalkerStyle(hip_swing_deg=0.0, knee_flex_deg=0.0,
                                          arm_swing_deg=0.0), view="side", duration_s=1.0)
    sha = restarted.put_blob(save_npz(standing, tmp_path / "standing.npz"))
    short = add_keypoint_clip(restarted, case.case_id, None, standing, sha,
                              "standing.npz", "side", "unknown", role="evidence")
    assert short.clip is not None and short.clip.n_cycles == 0  # evidence is kept
    insufficient = identify_clip(restarted, case.case_id, short.clip.clip_id, record.model_id)
    assert insufficient.identification.verdict == INSUFFICIENT
    assert insufficient.identification.reason and insufficient.comparison.empty

    front_clip = restarted.clips(case.case_id, view="front")[0]
    with pytest.raises(StoreError, match="view"):
        identify_clip(restarted, case.case_id, front_clip.clip_id, record.model_id)
    # Altered evidence is refused, and nothing is recorded for it.
    path = restarted.blob_path(evidence[1].keypoints_sha256)
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(StoreError, match="altered"):
        identify_clip(CaseStore(tmp_path), case.case_id, evidence[1].clip_id, record.model_id)
    assert len(restarted.identifications(case.case_id)) == 3  # the three made above
