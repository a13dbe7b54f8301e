"""Every clip of the shared data goes through the whole pipeline without an exception."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gait.media.datasets import load_dataset
from gait.walk.cycles import analyse_gait
from gait.walk.features import analysis_features
from gait.walk.parameters import parameters_for_view


def test_every_shared_clip_goes_through_the_pipeline(shared_data: Path) -> None:
    n_clips = n_without = 0
    for folder in ("enrol", "evidence_normal"):
        for record, sequence in load_dataset(shared_data / "keypoints" / folder):
            analysis = analyse_gait(sequence, record.view)
            rows = analysis_features(analysis, record.clip_id, record.subject)
            n_clips += 1
            if analysis.sufficient:
                values = rows[[p.name for p in parameters_for_view(record.view)]].to_numpy(float)
                assert not np.isinf(values).any()
            else:
                n_without += 1
                assert analysis.insufficient_reason
    assert n_clips == 494
    assert n_without <= 0.05 * n_clips  # cycles are found in at least 95 % of real clips


def test_walking_direction_is_recognised(shared_data: Path) -> None:
    right = total = 0
    for record, sequence in load_dataset(shared_data / "keypoints" / "enrol"):
        total += 1
        right += analyse_gait(sequence, record.view).direction == record.direction
    assert right / total >= 0.99
