"""Per-cycle feature tables: the gait parameters of many clips, with who and how they were filmed.

A :class:`FeatureTable` is what training, identification and evaluation consume. Its frame
has one row per gait cycle: the columns of :data:`META_COLUMNS`, then the parameter columns
of the view (see :mod:`gait.parameters`), then their visibility columns.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import astuple, dataclass, field

import numpy as np
import pandas as pd

from gait.cycles import GaitAnalysis, analyse_gait
from gait.keypoints import ClipRecord, KeypointSequence, load_dataset
from gait.parameters import cycle_parameters, parameters_for_view, visibility_column

META_COLUMNS = ("clip_id", "subject", "view", "direction", "condition", "walk_index", "foot",
                "start_s", "end_s")


def feature_names(view: str, with_visibility: bool) -> list[str]:
    """Model input columns for ``view``: parameter names, then (optionally) visibilities."""
    names = [p.name for p in parameters_for_view(view)]
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
        """Cycles of randomly perturbed copies of this table's clips (training only).

        Needs the keypoints (``sources``, kept by :func:`build_table`); empty without them.
        Computed once for all sources and shared with tables made by :meth:`select`; only
        the rows of clips present in this table are returned.
        """
        if settings.copies <= 0 or not self.sources:
            return self.frame.iloc[:0]
        key = settings.key()
        if key not in self._augmented:
            rng = np.random.default_rng(settings.seed)
            frames = []
            for _ in range(settings.copies):
                for record, sequence in self.sources:
                    analysis = analyse_gait(perturb_sequence(sequence, rng, settings), self.view)
                    frames.append(analysis_features(analysis, record.clip_id, record.subject,
                                                    record.direction, record.condition))
            self._augmented[key] = pd.concat(frames, ignore_index=True)
        rows = self._augmented[key]
        return rows[rows["clip_id"].isin(set(self.frame["clip_id"]))].reset_index(drop=True)

    def fingerprint(self) -> str:
        """SHA-256 of the table's values, to trace which data a model was trained on."""
        digest = hashlib.sha256()
        digest.update(pd.util.hash_pandas_object(self.frame, index=False).to_numpy().tobytes())
        return digest.hexdigest()


@dataclass(frozen=True)
class AugmentSettings:
    """Random perturbations of training clips (geometric and temporal augmentation).

    Each copy of a clip is seen by a camera turned by up to ``turn_deg`` (tilt and pan), is
    turned in the image plane by up to ``rotation_deg``, its height-to-width ratio changed by
    up to ``aspect_frac`` and its time axis stretched by up to ``time_frac`` (uniformly
    random, log-scale), before the gait analysis: another camera (aim, roll, lens, pixel
    aspect) and another day's walking pace, so that the network does not rely on details
    that change with them.

    Attributes
    ----------
    copies : int
        Perturbed copies of every training clip (0: no augmentation).
    rotation_deg, aspect_frac, time_frac : float
    seed : int
    turn_deg : float
        Largest turn of the camera away from its original aim, up or down (tilt) and left or
        right (pan), each uniformly random: the perspective change of a camera mounted
        differently, exact for a camera turning about its centre (a homography that does not
        depend on the scene's depth), for a lens with a 53 degree horizontal field of view.
    """

    copies: int = 3
    rotation_deg: float = 5.0
    aspect_frac: float = 0.1
    time_frac: float = 0.1
    seed: int = 7
    turn_deg: float = 10.0

    def key(self) -> tuple[float, ...]:
        """Every setting, in field order (a new field cannot be left out of the cache key)."""
        return astuple(self)


def turn_camera(x: np.ndarray, y: np.ndarray, tilt_rad: float, pan_rad: float,
                focal: float) -> tuple[np.ndarray, np.ndarray]:
    """Where image points move when the camera turns about its centre.

    Parameters
    ----------
    x, y : ndarray, same shape
        Image coordinates relative to the principal point (frame centre), in the units of
        ``focal`` (y down).
    tilt_rad, pan_rad : float
        Camera turn about its horizontal axis, then about its vertical axis (radians).
    focal : float
        Focal length in the units of ``x`` and ``y``.

    Returns
    -------
    x, y : ndarray
        The points in the turned camera's image (the homography K R K^-1).
    """
    ct, st, cp, sp = np.cos(tilt_rad), np.sin(tilt_rad), np.cos(pan_rad), np.sin(pan_rad)
    rotation = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]]) @ np.array(
        [[1.0, 0.0, 0.0], [0.0, ct, -st], [0.0, st, ct]])
    rays = np.stack([x / focal, y / focal, np.ones_like(x)], axis=-1) @ rotation.T
    return focal * rays[..., 0] / rays[..., 2], focal * rays[..., 1] / rays[..., 2]


def perturb_sequence(sequence: KeypointSequence, rng: np.random.Generator,
                     settings: AugmentSettings) -> KeypointSequence:
    """A randomly rotated, aspect-changed and time-stretched copy of a keypoint sequence.

    The rotation and the aspect change act about the frame centre on coordinates in frame
    heights (x times the aspect ratio), so they are true image-plane transformations; depth
    follows the x scaling; the time stretch scales the frame rate.
    """
    xyzv = sequence.xyzv.astype(np.float64)
    aspect = sequence.aspect_ratio
    x, y = (xyzv[..., 0] - 0.5) * aspect, xyzv[..., 1] - 0.5
    angle = np.radians(rng.uniform(-settings.rotation_deg, settings.rotation_deg))
    stretch = np.exp(rng.uniform(-settings.aspect_frac, settings.aspect_frac))
    tempo = np.exp(rng.uniform(-settings.time_frac, settings.time_frac))
    if settings.turn_deg > 0:
        tilt, pan = np.radians(rng.uniform(-settings.turn_deg, settings.turn_deg, size=2))
        x, y = turn_camera(x, y, tilt, pan, focal=aspect)
    cos, sin = np.cos(angle), np.sin(angle)
    out = xyzv.copy()
    out[..., 0] = (cos * x - sin * y) * np.sqrt(stretch) / aspect + 0.5
    out[..., 1] = (sin * x + cos * y) / np.sqrt(stretch) + 0.5
    out[..., 2] = xyzv[..., 2] * np.sqrt(stretch)
    return KeypointSequence(out.astype(np.float32), sequence.frame_index,
                            float(sequence.fps) * tempo, sequence.frame_size_px)


def analysis_features(
    analysis: GaitAnalysis, clip_id: str, subject: str = "", direction: str = "",
    condition: str = "",
) -> pd.DataFrame:
    """Per-cycle rows of one analysed clip with the meta columns filled in."""
    frame = cycle_parameters(analysis)
    meta = pd.DataFrame(
        {
            "clip_id": clip_id,
            "subject": subject,
            "view": analysis.view,
            "direction": direction or analysis.direction,
            "condition": condition,
        },
        index=frame.index,
    )
    return pd.concat([meta, frame], axis=1)[
        [*META_COLUMNS, *feature_names(analysis.view, True)]
    ]


def build_table(
    clips: Iterable[tuple[ClipRecord, KeypointSequence]], view: str
) -> FeatureTable:
    """Analyse every clip of ``view`` and collect its cycles into one table."""
    frames, failures, listing, sources = [], [], [], []
    for record, sequence in clips:
        if record.view != view:
            continue
        sources.append((record, sequence))
        analysis = analyse_gait(sequence, view)
        rows = analysis_features(analysis, record.clip_id, record.subject, record.direction,
                                 record.condition)
        if not analysis.sufficient:
            failures.append(ClipFailure(record.clip_id, record.subject,
                                        analysis.insufficient_reason or "no gait cycle found"))
        frames.append(rows)
        listing.append((record.clip_id, record.subject, record.direction, record.condition,
                        len(rows)))
    columns = [*META_COLUMNS, *feature_names(view, True)]
    frame = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame(columns=columns))
    clips_frame = pd.DataFrame(listing, columns=["clip_id", "subject", "direction", "condition",
                                                 "n_cycles"])
    return FeatureTable(view, frame, tuple(failures), clips_frame, tuple(sources))


def load_table(folder: str | os.PathLike[str], view: str) -> FeatureTable:
    """Feature table of every clip of ``view`` in a keypoint data set folder."""
    return build_table(load_dataset(folder, view), view)
