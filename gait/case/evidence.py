"""Identifying an evidence clip of a case with one of its models, recorded in the case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gait import __version__
from gait.case.clip_analysis import analysis_version, clip_frame
from gait.case.comparisons import (
    COMPARISON_COLUMNS,
    compare_parameters,
    off_axis_condition,
    outline_change,
    outline_differences,
)
from gait.case.store import CaseStore, IdentificationRecord, StoreError, one_line
from gait.case.store.permissions import CHANGE_CASE
from gait.case.tables import case_table
from gait.case.training import METRIC_THRESHOLD, load_case_model
from gait.walk.features import FeatureTable, clip_walk_angle_deg

if TYPE_CHECKING:
    from gait.identification.identify import Identification
    from gait.identification.model import GaitModel


@dataclass(frozen=True)
class IdentificationOutcome:
    """An identification made and recorded.

    Attributes
    ----------
    record : IdentificationRecord
        As written to the store.
    identification : gait.identification.identify.Identification
        Verdict, ranking, per-cycle votes and probabilities.
    comparison : DataFrame
        Columns :data:`COMPARISON_COLUMNS`, one row per gait parameter of the view: the
        evidence's median, the compared suspect's enrolment median and spread, and the
        standardised difference; sorted from best agreement (smallest absolute difference)
        to largest, NaN last. Empty when there is no cycle to compare.
    compared_suspect : str or None
        The suspect compared with (the named one, else the top-ranked one).
    """

    record: IdentificationRecord
    identification: Identification
    comparison: pd.DataFrame
    compared_suspect: str | None = None


def identify_clip(store: CaseStore, case_id: int, clip_id: int, model_id: int, actor: str = ""
                  ) -> IdentificationOutcome:
    """Identify the person of a stored clip with a stored model, and record the result.

    The clip's files are hash-checked first (an altered file is refused), its gait parameters
    come from the per-clip cache, and the identification and its audit event are written in
    one transaction.

    Raises
    ------
    StoreError
        If the clip or model is not of this case, their views differ, or a file was altered.
    """
    from gait.identification.identify import identify_table
    from gait.identification.model import ModelError

    store.require(CHANGE_CASE, case_id)
    clip, record = store.clip(clip_id), store.model(model_id)
    if clip.case_id != case_id or record.case_id != case_id:
        raise StoreError("the clip and the model must belong to the open case")
    if clip.view != record.view:
        raise StoreError(f"clip #{clip.clip_id} is a {clip.view}-view clip but model "
                         f"#{record.model_id} is for the {record.view} view")
    store.blob_path(clip.keypoints_sha256)  # evidence integrity
    if clip.video_sha256:
        store.blob_path(clip.video_sha256)
    model = load_case_model(store, record)
    frame, reason = clip_frame(store, clip, "", clip.view)
    try:
        identification = identify_table(model, FeatureTable(clip.view, frame), reason)
    except ModelError as exc:
        raise StoreError(one_line(exc)) from exc
    compared = identification.suspect or (identification.ranking[0][0]
                                          if identification.ranking else None)
    if compared is not None and len(frame):
        enrolment = case_table(store, case_id, clip.view).frame
        comparison = compare_parameters(frame, enrolment[enrolment["subject"] == compared],
                                        enrolment, clip.view)
    else:
        comparison = pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    outline = (None if compared is None else
               _outline_condition(model, identification, frame, comparison, compared))
    off_axis = (None if not identification.off_axis else off_axis_condition(
        clip_walk_angle_deg(frame), model.settings.off_axis_robust_deg,
        model.settings.robust_weight_outline_changed))
    result = {
        **identification.to_dict(),
        "clip": {"clip_id": clip.clip_id, "original_name": clip.original_name,
                 "view": clip.view, "video_sha256": clip.video_sha256,
                 "keypoints_sha256": clip.keypoints_sha256},
        "model": {"model_id": record.model_id, "view": record.view,
                  "suspects": list(record.suspects),
                  "training_data_sha256": record.metrics.get("training_data_sha256"),
                  "open_set_threshold": record.metrics.get(METRIC_THRESHOLD)},
        "cycle_probabilities": np.round(identification.cycle_probabilities, 6).tolist(),
        "compared_suspect": compared,
        "conditions": [c for c in (outline, off_axis) if c],
        "comparison": comparison.astype(object).where(comparison.notna(), None)
                                .to_dict(orient="records"),
        "software_version": __version__,
        "analysis_version": analysis_version(),
    }
    stored = store.add_identification(
        case_id, clip.clip_id, record.model_id, identification.verdict, identification.suspect,
        identification.calibrated_probability, result, actor=actor)
    return IdentificationOutcome(stored, identification, comparison, compared)


def _outline_condition(model: GaitModel, identification: Identification, frame: pd.DataFrame,
                       comparison: pd.DataFrame, compared: str) -> str | None:
    """The limitation sentence when the evidence's outline differs from ``compared``'s
    enrolment, by the model's own rule and statistics (what its ranking and LRs used); for a
    model saved without them, by the comparison with the case's enrolment."""
    statistics = model.outline
    if statistics is None:
        differences = outline_differences(comparison)
    else:
        row = statistics.differences(frame)[model.suspects.index(compared)]
        differences = dict(zip(statistics.parameters, row.tolist(), strict=True))
    robust = model.settings
    return outline_change(differences, compared,
                          robust.robust_weight_outline_changed if robust.robust_members else None,
                          compared in identification.robust_lrs)
