"""Per-cycle feature tables: the gait parameters of many clips, with who and how they were filmed.

A :class:`FeatureTable` is what training, identification and evaluation consume. Its frame
has one row per gait cycle: the columns of :data:`META_COLUMNS`, then the parameter columns
of the view (see :mod:`gait.walk.parameters`), then their visibility columns.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gait.media.datasets import ClipRecord, load_dataset
from gait.media.keypoints import KeypointSequence
from gait.walk.augmentation import AugmentSettings, excursion_copies, perturb_sequence
from gait.walk.covariate_shift import shifted_copies, shipped_shifts
from gait.walk.cycles import GaitAnalysis, analyse_gait
from gait.walk.parameter_table import cycle_columns, cycle_parameter_values
from gait.walk.parameters import parameters_for_view, visibility_column

META_COLUMNS = ("clip_id", "subject", "view", "direction", "condition", "walk_index", "foot",
                "start_s", "end_s", "cycle_weight", "walk_angle_deg")
# pandas' string dtype for the clip's labels; the foot stays an object column (as it was when
# models were trained: their data fingerprints hash the frame).
_META_DTYPES = {"clip_id": str, "subject": str, "view": str, "direction": str,
                "condition": str, "foot": object}


def feature_names(view: str, with_visibility: bool, *, identifying_only: bool = False
                  ) -> list[str]:
    """Parameter columns of ``view``: parameter names, then (optionally) visibilities; with
    ``identifying_only``, only the parameters the identification network reads
    (:attr:`gait.walk.parameters.Parameter.identifies`)."""
    names = [p.name for p in parameters_for_view(view) if p.identifies or not identifying_only]
    if with_visibility:
        names += [visibility_column(n) for n in names]
    return names


@dataclass(frozen=True)
class ClipFailure:
    """A clip that gave no gait cycle, with the reason (it is never silently dropped)."""

    clip_id: str
    subject: str
    reason: str


@dataclass(frozen=True)
class FeatureTable:
    """Per-cycle gait parameters of a set of clips of one view.

    Attributes
    ----------
    view : str
    frame : DataFrame
        One row per gait cycle (see the module docstring).
    failures : tuple of ClipFailure
        Clips in which no gait cycle was found.
    clips : DataFrame
        One row per clip offered (``clip_id, subject, direction, condition, n_cycles``).
    """

    view: str
    frame: pd.DataFrame
    failures: tuple[ClipFailure, ...] = ()
    clips: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: tuple[tuple[ClipRecord, KeypointSequence], ...] = field(
        default=(), repr=False, compare=False)
    _augmented: dict[tuple[float, ...], pd.DataFrame] = field(
        default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        missing = [c for c in (*META_COLUMNS, *feature_names(self.view, True))
                   if c not in self.frame.columns]
        if missing:
            raise ValueError(f"feature table lacks columns {missing[:5]}")

    @property
    def subjects(self) -> list[str]:
        """Sorted subjects with at least one cycle."""
        return sorted(self.frame["subject"].unique())

    def matrix(self, names: list[str]) -> np.ndarray:
        """Feature matrix, shape (n_cycles, len(names)), float64 with NaN where unknown."""
        return self.frame[names].to_numpy(dtype=np.float64)

    def select(self, mask: np.ndarray | pd.Series) -> FeatureTable:
        """The rows where ``mask`` is true (failures and clip list kept as they are)."""
        return FeatureTable(self.view, self.frame[np.asarray(mask)].reset_index(drop=True),
                            self.failures, self.clips, self.sources, self._augmented)

    def augmented(self, settings: AugmentSettings) -> pd.DataFrame:
        """Cycles of randomly perturbed copies of this table's clips (training only), then
        copies of its cycles moved in feature space: by the covariate shifts
        (``settings.covariate_shift``) and with the legs' excursions scaled down
        (``settings.excursion_damping``).

        The perturbed copies need the keypoints (``sources``, kept by :func:`build_table`).
        Computed once for all sources and shared with tables made by :meth:`select`; only
        the rows of clips present in this table are returned.
        """
        moved = pd.concat([
            shifted_copies(self.frame, shipped_shifts(self.view), settings.covariate_shift,
                           np.random.default_rng(settings.seed + 1)),
            excursion_copies(self.frame, settings.excursion_damping,
                             np.random.default_rng(settings.seed + 2))], ignore_index=True)
        if settings.copies <= 0 or not self.sources:
            return moved
        key = settings.key()
        if key not in self._augmented:
            rng = np.random.default_rng(settings.seed)
            clip_rows = []
            for _ in range(settings.copies):
                for record, sequence in self.sources:
                    analysis = analyse_gait(perturb_sequence(sequence, rng, settings), self.view)
                    clip_rows.append(_clip_rows(analysis, record.clip_id, record.subject,
                                                record.direction, record.condition))
            self._augmented[key] = _rows_frame(self.view, clip_rows)
        rows = self._augmented[key]
        rows = rows[rows["clip_id"].isin(set(self.frame["clip_id"]))]
        return pd.concat([rows, moved], ignore_index=True)

    def fingerprint(self) -> str:
        """SHA-256 of the table's values, to trace which data a model was trained on."""
        digest = hashlib.sha256()
        digest.update(pd.util.hash_pandas_object(self.frame, index=False).to_numpy().tobytes())
        return digest.hexdigest()


@dataclass(frozen=True)
class _ClipRows:
    """One analysed clip's cycles before they join a table: the meta columns, shape (n,) each,
    and the parameter and visibility values, shape (n, n_columns)."""

    meta: dict[str, np.ndarray]
    values: np.ndarray


def clip_walk_angle_deg(clip: pd.DataFrame) -> float:
    """A clip's walking angle to the camera's axis, degrees: the median of its cycles' rows'
    ``walk_angle_deg`` (NaN without a row or the column)."""
    if not len(clip) or "walk_angle_deg" not in clip.columns:
        return float("nan")
    return float(np.nanmedian(clip["walk_angle_deg"].to_numpy(dtype=float)))


def _clip_rows(analysis: GaitAnalysis, clip_id: str, subject: str = "", direction: str = "",
               condition: str = "") -> _ClipRows:
    n = len(analysis.cycles)
    clip = {"clip_id": clip_id, "subject": subject, "view": analysis.view,
            "direction": direction or analysis.direction, "condition": condition}
    meta = {name: np.full(n, value, dtype=object) for name, value in clip.items()}
    return _ClipRows({**meta, **cycle_columns(analysis)}, cycle_parameter_values(analysis))


def _rows_frame(view: str, clips: list[_ClipRows]) -> pd.DataFrame:
    """The clips' rows as one frame (one DataFrame built, not one a clip: pandas' cost)."""
    names = feature_names(view, True)
    if not clips:
        return pd.DataFrame(columns=[*META_COLUMNS, *names])
    meta = {name: pd.Series(np.concatenate([c.meta[name] for c in clips]),
                            dtype=_META_DTYPES.get(name)) for name in META_COLUMNS}
    values = np.concatenate([c.values for c in clips])
    return pd.concat([pd.DataFrame(meta), pd.DataFrame(values, columns=names)], axis=1)


def analysis_features(
    analysis: GaitAnalysis, clip_id: str, subject: str = "", direction: str = "",
    condition: str = "",
) -> pd.DataFrame:
    """Per-cycle rows of one analysed clip with the meta columns filled in."""
    return _rows_frame(analysis.view,
                       [_clip_rows(analysis, clip_id, subject, direction, condition)])


def build_table(
    clips: Iterable[tuple[ClipRecord, KeypointSequence]], view: str
) -> FeatureTable:
    """Analyse every clip of ``view`` and collect its cycles into one table."""
    rows, failures, listing, sources = [], [], [], []
    for record, sequence in clips:
        if record.view != view:
            continue
        sources.append((record, sequence))
        analysis = analyse_gait(sequence, view)
        rows.append(_clip_rows(analysis, record.clip_id, record.subject, record.direction,
                               record.condition))
        if not analysis.sufficient:
            failures.append(ClipFailure(record.clip_id, record.subject,
                                        analysis.insufficient_reason or "no gait cycle found"))
        listing.append((record.clip_id, record.subject, record.direction, record.condition,
                        len(analysis.cycles)))
    frame = _rows_frame(view, rows)
    clips_frame = pd.DataFrame(listing, columns=["clip_id", "subject", "direction", "condition",
                                                 "n_cycles"])
    return FeatureTable(view, frame, tuple(failures), clips_frame, tuple(sources))


def load_table(folder: str | os.PathLike[str], view: str) -> FeatureTable:
    """Feature table of every clip of ``view`` in a keypoint data set folder."""
    return build_table(load_dataset(folder, view), view)
