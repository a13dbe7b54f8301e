"""Every clip of the shared data goes through the whole pipeline without an exception."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gait.media.datasets import load_dataset
from gait.media.keypoints import KeypointSequence
from gait.walk.cycles import HALF_CYCLE_WEIGHT, analyse_gait
from gait.walk.features import analysis_features
from gait.walk.parameter_table import cycle_parameters
from gait.walk.parameters import parameters_for_view
from gait.walk.quality import quality_card


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


def _cut(sequence: KeypointSequence, start_s: float, end_s: float) -> KeypointSequence:
    time_s = sequence.frame_index / sequence.fps
    keep = (time_s >= start_s) & (time_s <= end_s)
    return KeypointSequence(sequence.xyzv[keep], sequence.frame_index[keep], sequence.fps,
                            sequence.frame_size_px, clip_id=sequence.clip_id)


def test_real_walks_cut_to_half_a_cycle_give_half_cycles_that_agree(shared_data: Path
                                                                    ) -> None:
    """Real side walks cut to a step and a bit: a half cycle each, whose timing agrees with
    the whole walk's; cut to less than a step: insufficient gait, with the reason."""
    clips = itertools.islice(load_dataset(shared_data / "keypoints" / "enrol", view="side"), 8)
    n_half = 0
    for record, sequence in clips:
        whole = analyse_gait(sequence, "side")
        first = whole.cycles[0]
        median = cycle_parameters(whole)[["stride_time_s", "cadence_steps_per_min"]].median()
        # Half a cycle plus a quarter second either side (edge strikes are not trusted).
        half = analyse_gait(_cut(sequence, first.start_s - 0.25,
                                 first.start_s + first.duration_s / 2 + 0.25), "side")
        assert half.sufficient, (record.clip_id, half.insufficient_reason)
        if half.from_steps:
            n_half += 1
            rows = cycle_parameters(half)
            assert (rows["cycle_weight"] == HALF_CYCLE_WEIGHT).all()
            assert rows["stride_time_s"].iloc[0] == pytest.approx(median["stride_time_s"],
                                                                 rel=0.15), record.clip_id
            card = quality_card(_cut(sequence, first.start_s - 0.25,
                                     first.start_s + first.duration_s / 2 + 0.25), "side", half)
            assert card.usable and any("half cycles" in w for w in card.warnings)
        tiny = analyse_gait(_cut(sequence, first.start_s, first.start_s + 0.4), "side")
        assert not tiny.sufficient and "less than a step" in (tiny.insufficient_reason or "")
    assert n_half >= 6  # the others still hold a complete (short) stride


def test_side_view_limb_labels_agree_with_the_strikes(shared_data: Path) -> None:
    """On real side-view walks the same-side thigh swings forward into the heel strike that
    starts its cycle, and the same-side arm backward: the first harmonic of every cycle's
    thigh angle lies within a quarter turn of one phase, the arm's mostly within a quarter
    turn of the opposite one. Before the strikes repaired the labels, 13 % of the enrolment's
    and 23 % of another day's thighs were in the opposite phase."""
    from gait.walk.cycles import CycleSettings

    def phases_deg(settings: CycleSettings) -> dict[str, np.ndarray]:
        p = pd.concat([cycle_parameters(analyse_gait(sequence, "side", cycle_settings=settings))
                       for folder in ("enrol", "evidence_normal")
                       for _, sequence in load_dataset(shared_data / "keypoints" / folder,
                                                       "side")])
        return {channel: np.degrees(np.arctan2(p[f"wave_ipsi_{channel}_h1sin_deg"],
                                               p[f"wave_ipsi_{channel}_h1cos_deg"]))
                for channel in ("thigh", "upper_arm")}

    def share_off(phases: np.ndarray, centre_deg: float) -> float:
        return float(np.mean(np.abs((phases - centre_deg + 180) % 360 - 180) > 90))

    repaired = phases_deg(CycleSettings())
    unrepaired = phases_deg(CycleSettings(repair_legs=False, repair_arms=False))
    thigh = float(np.degrees(np.angle(np.exp(1j * np.radians(repaired["thigh"])).mean())))
    assert share_off(repaired["thigh"], thigh) < 0.01
    assert share_off(unrepaired["thigh"], thigh) > 0.1
    assert share_off(repaired["upper_arm"], thigh + 180) < 0.12
    assert share_off(repaired["upper_arm"], thigh + 180) < share_off(unrepaired["upper_arm"],
                                                                      thigh + 180)


def test_a_walk_whose_heel_signal_repeats_every_two_steps_gives_its_strides(
        shared_data: Path) -> None:
    """S13 walking at an angle (a real covariate clip): the autocorrelation of the heels'
    separation peaks at two steps, which made one 'step' of 1.1 s and a half cycle of 2.2 s.
    Half of a step estimate slower than anyone walks is tried as well: his strides come out,
    each within 25 % of the median stride of his other side-view clips."""
    clips = {record.clip_id: sequence for record, sequence in load_dataset(
        shared_data / "keypoints" / "evidence_covariates_dev", "side")
        if record.subject == "S13"}
    analysis = analyse_gait(clips.pop("S13_side_right_angle_1"), "side")
    usual_s = np.median([c.duration_s for sequence in clips.values()
                         for c in analyse_gait(sequence, "side").cycles])
    assert not analysis.from_steps and len(analysis.cycles) >= 2
    durations_s = np.array([c.duration_s for c in analysis.cycles])
    np.testing.assert_allclose(durations_s, usual_s, rtol=0.25)
