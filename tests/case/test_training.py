"""Tests of gait.case.training: what a case needs to be trained, and training without evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from gait.case.demo import build_demo_case
from gait.case.store import CaseStore, StoreError
from gait.case.training import METRIC_EVAL_SKIPPED, train_case_model
from tests.helpers import small_model_settings


@pytest.mark.slow
def test_one_clip_per_suspect_trains_without_evaluation(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = build_demo_case(store, n_suspects=2, clips_per_suspect=1)
    record = train_case_model(store, case.case_id, "front", settings=small_model_settings())
    assert "two or more usable clips" in record.metrics[METRIC_EVAL_SKIPPED]
    assert record.metrics["open_set_threshold"] is None


def test_training_needs_two_suspects(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = store.create_case("Empty")
    with pytest.raises(StoreError, match="at least two suspects"):
        train_case_model(store, case.case_id, "side")
    with pytest.raises(StoreError, match="at least 1"):
        train_case_model(store, case.case_id, "side", name_at_lr=0.5)
