"""A case's gait parameters as tables: for training, for a clip's page and for plots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gait.case.clip_analysis import clip_frame
from gait.case.store import CaseStore, Clip, StoreError
from gait.media.keypoints import VIEWS
from gait.walk.features import META_COLUMNS, ClipFailure, FeatureTable, feature_names


def case_table(store: CaseStore, case_id: int, view: str, role: str = "enrolment"
               ) -> FeatureTable:
    """Per-cycle feature table of a case's clips of one view (never re-extracts).

    ``clip_id`` holds the store's clip id as text, ``subject`` the suspect's name (empty for
    evidence clips). Parameters come from the per-clip cache, so a rerun is instant.
    """
    if view not in VIEWS:
        raise StoreError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
    names = store.suspect_names(case_id)
    frames, failures, listing = [], [], []
    for clip in store.clips(case_id, view=view, role=role):
        subject = names.get(clip.suspect_id, "") if clip.suspect_id is not None else ""
        frame, reason = clip_frame(store, clip, subject, view)
        if reason is not None:
            failures.append(ClipFailure(str(clip.clip_id), subject, reason))
        frames.append(frame)
        listing.append((str(clip.clip_id), subject, clip.direction, clip.condition, len(frame)))
    columns = [*META_COLUMNS, *feature_names(view, True)]
    frames = [f for f in frames if len(f)]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    clips = pd.DataFrame(listing, columns=["clip_id", "subject", "direction", "condition",
                                           "n_cycles"])
    return FeatureTable(view, frame, tuple(failures), clips)


def parameter_table(store: CaseStore, clip: Clip) -> pd.DataFrame:
    """Per-cycle gait parameters of one clip (meta columns, parameters, visibilities).

    ``cycle`` numbers the cycles from 1; ``clip_name`` is the original file name; ``subject``
    the suspect's name (empty for evidence).
    """
    subject = store.suspect(clip.suspect_id).name if clip.suspect_id is not None else ""
    frame, _ = clip_frame(store, clip, subject)
    frame.insert(0, "cycle", np.arange(1, len(frame) + 1))
    frame.insert(2, "clip_name", clip.original_name)
    return frame


def case_parameters(store: CaseStore, case_id: int, view: str) -> pd.DataFrame:
    """Every cycle of every enrolment clip of ``view``, with suspect names (for box plots).

    Columns as :func:`case_table` plus ``clip_name`` (original file name).
    """
    table = case_table(store, case_id, view)
    names = {str(c.clip_id): c.original_name for c in store.clips(case_id, view=view,
                                                                     role="enrolment")}
    frame = table.frame.copy()
    frame.insert(1, "clip_name", frame["clip_id"].map(names))
    return frame
