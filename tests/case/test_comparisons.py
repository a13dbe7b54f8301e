"""Tests of gait.case.comparisons: known answers of the suspect profile."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gait.case.comparisons import (
    COL_PARAMETER,
    COL_STD_DIFF,
    OUTLINE_PARAMETERS,
    off_axis_condition,
    outline_change,
    outline_differences,
    suspect_profile,
)


def test_suspect_profile_known_answer() -> None:
    frame = pd.DataFrame({"subject": ["a", "a", "b", "b"],
                          "cadence_steps_per_min": [100.0, 102.0, 110.0, 112.0],
                          "not_a_parameter": [1, 2, 3, 4]})
    profile = suspect_profile(frame, "a")
    assert profile["parameter"].tolist() == ["cadence_steps_per_min"]
    row = profile.iloc[0]
    assert row["suspect median"] == 101.0 and row["case median"] == 106.0
    assert row["z vs case"] == pytest.approx(-5.0 / frame["cadence_steps_per_min"].std())
    assert row["cycles"] == 2


def test_a_changed_outline_is_said_with_the_proportions_that_changed() -> None:
    coat = {"trunk_length_bl": 3.9, "upper_arm_length_left_bl": -3.2, "hip_width_bl": 1.0,
            "cadence_steps_per_min": 9.0}
    sentence = outline_change(coat, "S14")
    assert sentence is not None
    assert "2 proportions" in sentence and "trunk_length_bl +3.9" in sentence
    assert sentence.index("trunk_length_bl") < sentence.index("upper_arm_length_left_bl")
    assert "cadence" not in sentence and "clothing cannot move" not in sentence
    leaned = outline_change(coat, "S14", robust_weight=0.3)
    assert leaned is not None and leaned.startswith(sentence)
    assert "clothing cannot move" in leaned and "carried 30% of the comparison with S14." in leaned
    with_lr = outline_change(coat, "S14", robust_weight=0.8, robust_lr=True)
    assert with_lr is not None and "carried 80%" in with_lr
    assert with_lr.endswith("its LR comes from a calibration of those parameters alone.")


def test_a_walk_off_the_axis_is_said_with_its_angle_and_what_it_changed() -> None:
    said = off_axis_condition(23.4, 10.0, 1.0)
    assert said.startswith("The walk is about 23 degrees off the camera's axis (more than 10)")
    assert "carrying 100% of the comparison" in said
    assert said.endswith("the LRs are those of the whole-body comparison unless the outline "
                         "changed too.")


def test_a_comparison_frame_gives_the_outline_differences() -> None:
    frame = pd.DataFrame({COL_PARAMETER: ["trunk_length_bl", "cadence_steps_per_min"],
                          COL_STD_DIFF: [3.9, 9.0]})
    assert outline_differences(frame) == {"trunk_length_bl": 3.9}


@pytest.mark.parametrize("differences", [
    {"trunk_length_bl": 3.9, "hip_width_bl": 2.9},          # one beyond 3 spreads
    {"cadence_steps_per_min": 8.0, "stride_time_s": -7.0},   # timing is not the outline
    {name: float("nan") for name in OUTLINE_PARAMETERS},      # nothing measured
])
def test_an_unchanged_outline_says_nothing(differences: dict[str, float]) -> None:
    assert outline_change(differences, "S14") is None


def test_coats_change_the_outline_normal_walks_do_not(shared_data: Path) -> None:
    """Shared data, side view, each session-2 clip against its own person's session-1
    enrolment: every coat clip is flagged; of the normal walks of that day almost none."""
    from gait.case.comparisons import compare_parameters
    from gait.identification.outline import OutlineStatistics
    from gait.walk.features import load_table

    keypoints = shared_data / "keypoints"
    enrol = load_table(keypoints / "enrol", "side").frame

    suspects = sorted(enrol["subject"].unique())
    statistics = OutlineStatistics.fit(enrol, suspects)

    def flagged(folder: str, condition: str) -> list[bool]:
        frame = load_table(keypoints / folder, "side").frame
        frame = frame[frame["subject"].isin(set(enrol["subject"]))
                      & (frame["condition"].replace("", "normal") == condition)]
        said = []
        for (_, subject), clip in frame.groupby(["clip_id", "subject"]):
            comparison = compare_parameters(clip, enrol[enrol["subject"] == subject], enrol,
                                            "side")
            said.append(outline_change(outline_differences(comparison), subject) is not None)
            # The model's statistics (the identification's pooling, the sentence of a new
            # model) follow the same rule as the comparison with the case's enrolment.
            index = suspects.index(subject)
            assert statistics.changed(clip)[index] == said[-1]
            own = dict(zip(statistics.parameters, statistics.differences(clip)[index],
                           strict=True))
            assert (outline_change(own, subject) is not None) == said[-1]
        return said

    coats, normal = flagged("evidence_covariates_dev", "coat"), flagged("evidence_normal",
                                                                        "normal")
    assert len(coats) == 10 and sum(coats) >= 9, coats
    assert len(normal) == 30 and sum(normal) <= 3, normal
