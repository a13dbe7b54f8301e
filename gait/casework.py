"""Case work: the operations the dashboard pages call (enrol, import, train, identify, look).

All heavy work happens here, on a :class:`gait.store.CaseStore`; pages only gather input and
show results. Nothing is computed twice:

* keypoints are extracted once per video (the engine's cache lives inside the data folder,
  ``data/keypoints-cache``, keyed by the video's content, extractor and settings);
* gait cycles and parameters are computed once per stored keypoints file and view, and kept
  on disk (``data/features/<view>/``) and in memory, keyed by the keypoints' SHA-256 and a
  hash of the analysis code, so a restart or a page rerun reuses them;
* models are loaded once per process.

Errors a user can cause (a file that is not a video, a clip without a walking person, too few
suspects to train) come back as one readable sentence: a refused :class:`ClipReport`, or a
:class:`gait.store.StoreError` whose message can be shown as it is.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gait import __version__
from gait.cycles import GaitAnalysis, analyse_gait
from gait.features import META_COLUMNS, FeatureTable, analysis_features, feature_names
from gait.keypoints import (
    VIEWS,
    KeypointFormatError,
    KeypointSequence,
    atomic_write,
    load_npz,
    read_manifest,
)
from gait.parameters import CATALOGUE, parameters_for_view
from gait.quality import QualityCard, quality_card
from gait.store import (
    CLIP_DIRECTIONS,
    CaseStore,
    Clip,
    IdentificationRecord,
    ModelRecord,
    StoreError,
    one_line,
)

if TYPE_CHECKING:
    from gait.identify import Identification
    from gait.model import GaitModel, ModelSettings
    from gait.pose import ProgressCallback

MAX_UPLOAD_MB = 500
VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv")

# Training metrics keys (ModelRecord.metrics).
METRIC_CLIP_RANK1 = "clip_rank1"
METRIC_PER_SUSPECT = "per_suspect_accuracy"
METRIC_CONFUSION = "confusion_matrix"
METRIC_THRESHOLD = "open_set_threshold"
METRIC_N_CYCLES = "n_cycles"
METRIC_TRAINING_S = "training_s"
METRIC_EVAL_SKIPPED = "evaluation_skipped_reason"

# Comparison frame columns (identify_clip).
COL_PARAMETER = "parameter"
COL_UNIT = "unit"
COL_GROUP = "group"
COL_EVIDENCE_MEDIAN = "evidence_median"
COL_SUSPECT_MEDIAN = "suspect_median"
COL_SUSPECT_SPREAD = "suspect_spread"
COL_STD_DIFF = "standardised_difference"
COL_N_EVIDENCE = "n_evidence_cycles"
COL_N_SUSPECT = "n_suspect_cycles"
COMPARISON_COLUMNS = (COL_PARAMETER, COL_UNIT, COL_GROUP, COL_EVIDENCE_MEDIAN,
                      COL_SUSPECT_MEDIAN, COL_SUSPECT_SPREAD, COL_STD_DIFF, COL_N_EVIDENCE,
                      COL_N_SUSPECT)
# A suspect's within-person spread is floored at this share of the case-wide spread, so a
# parameter that happens not to vary in a few enrolment cycles does not blow up.
SPREAD_FLOOR_FRACTION = 0.1

TrainingProgress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stage is ``"calibration"`` or ``"evaluation"``."""
ImportProgress = Callable[[int, int], None]
"""``progress(files_done, files_total)``."""


@dataclass(frozen=True)
class ClipReport:
    """The outcome of adding one clip.

    Attributes
    ----------
    clip : Clip or None
        The stored clip (``None`` when refused).
    quality : QualityCard
    refused_reason : str or None
        One sentence saying why the clip was not recorded.
    """

    clip: Clip | None
    quality: QualityCard
    refused_reason: str | None

    @classmethod
    def refusal(cls, reason: str) -> ClipReport:
        """The report of a file that could not be used at all, with the reason."""
        return cls(None, QualityCard.refused(reason), reason)

    @property
    def accepted(self) -> bool:
        """True when the clip is in the case."""
        return self.clip is not None


@dataclass(frozen=True)
class ImportReport:
    """The outcome of importing a keypoint data set folder.

    Attributes
    ----------
    n_added : int
        Clips recorded.
    n_existing : int
        Clips that were already in the case (same keypoints file).
    refused : tuple of (str, str)
        (clip id, reason) of every clip that was not recorded.
    suspects_created : tuple of str
        Names of the suspects created for subjects new to the case.
    """

    n_added: int
    n_existing: int
    refused: tuple[tuple[str, str], ...]
    suspects_created: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Per-clip analysis, computed once
# --------------------------------------------------------------------------------------------
_ANALYSIS_MODULES = ("sequence.py", "cycles.py", "parameters.py", "features.py", "landmarks.py")
_analysis_version: str | None = None
_memo_lock = threading.Lock()
# Keyed by the store's feature file: a clip's parameters are written to every store that holds
# it, even when another store of the same process computed them first.
_FEATURE_MEMO: OrderedDict[Path, tuple[pd.DataFrame, str | None]] = OrderedDict()
_ANALYSIS_MEMO: OrderedDict[tuple[str, str], GaitAnalysis] = OrderedDict()
_MODEL_MEMO: OrderedDict[tuple[str, int], GaitModel] = OrderedDict()
_FEATURE_MEMO_SIZE, _ANALYSIS_MEMO_SIZE, _MODEL_MEMO_SIZE = 20_000, 32, 8


def analysis_version() -> str:
    """Hash of the software that turns keypoints into gait parameters (a cache key part)."""
    global _analysis_version
    if _analysis_version is None:
        digest = hashlib.sha256(__version__.encode())
        root = Path(__file__).resolve().parent
        for name in _ANALYSIS_MODULES:
            path = root / name
            digest.update(path.read_bytes() if path.is_file() else name.encode())
        _analysis_version = digest.hexdigest()[:16]
    return _analysis_version


def _remember(memo: OrderedDict[Any, Any], key: Any, value: Any, size: int) -> None:
    with _memo_lock:
        memo[key] = value
        memo.move_to_end(key)
        while len(memo) > size:
            memo.popitem(last=False)


def _recall(memo: OrderedDict[Any, Any], key: Any) -> Any:
    with _memo_lock:
        value = memo.get(key)
        if value is not None:
            memo.move_to_end(key)
        return value


def _feature_file(store: CaseStore, keypoints_sha256: str, view: str) -> Path:
    return store.feature_dir / view / f"{keypoints_sha256}-{analysis_version()}.json"


def _write_features(path: Path, frame: pd.DataFrame, reason: str | None) -> None:
    payload = {
        "analysis_version": analysis_version(),
        "insufficient_reason": reason,
        "columns": list(frame.columns),
        "data": {c: frame[c].tolist() for c in frame.columns},
    }
    text = json.dumps(payload, allow_nan=True)
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def _read_features(path: Path) -> tuple[pd.DataFrame, str | None] | None:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        frame = pd.DataFrame({c: payload["data"][c] for c in payload["columns"]},
                             columns=payload["columns"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _normalised(frame), payload.get("insufficient_reason")


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed column types, whether the frame was just computed or read back from disk."""
    frame = frame.copy()
    numeric = [c for c in frame.columns if c not in META_COLUMNS]
    frame[numeric] = frame[numeric].astype(float)
    frame["walk_index"] = frame["walk_index"].astype(int)
    for column in ("start_s", "end_s"):
        frame[column] = frame[column].astype(float)
    for column in ("clip_id", "subject", "view", "direction", "condition", "foot"):
        frame[column] = frame[column].astype(object)
    return frame


def _clip_features(store: CaseStore, keypoints_sha256: str, view: str,
                   sequence: KeypointSequence | None = None,
                   analysis: GaitAnalysis | None = None) -> tuple[pd.DataFrame, str | None]:
    """Per-cycle rows (meta columns blank except view/direction) of one keypoints file."""
    path = _feature_file(store, keypoints_sha256, view)
    cached = _recall(_FEATURE_MEMO, path)
    if cached is None:
        cached = _read_features(path) if path.is_file() else None
        if cached is None:
            if analysis is None:
                if sequence is None:
                    sequence = load_npz(store.blob_path(keypoints_sha256))
                analysis = analyse_gait(sequence, view)
            frame = _normalised(analysis_features(analysis, clip_id=""))
            cached = (frame, None if analysis.sufficient else
                      (analysis.insufficient_reason or "no complete gait cycle was found"))
            _write_features(path, *cached)
        _remember(_FEATURE_MEMO, path, cached, _FEATURE_MEMO_SIZE)
    frame, reason = cached
    return frame.copy(), reason


def clip_analysis(store: CaseStore, clip: Clip, view: str | None = None) -> GaitAnalysis:
    """Gait events and cycles of a stored clip (hash-checked keypoints; memoised)."""
    view = view or clip.view
    key = (clip.keypoints_sha256, view)
    analysis = _recall(_ANALYSIS_MEMO, key)
    if analysis is None:
        analysis = analyse_gait(store.keypoints(clip), view)
        _remember(_ANALYSIS_MEMO, key, analysis, _ANALYSIS_MEMO_SIZE)
    return analysis


def _clip_frame(store: CaseStore, clip: Clip, subject: str, view: str | None = None
                ) -> tuple[pd.DataFrame, str | None]:
    view = view or clip.view
    frame, reason = _clip_features(store, clip.keypoints_sha256, view)
    frame["clip_id"] = str(clip.clip_id)
    frame["subject"] = subject
    frame["condition"] = clip.condition
    if clip.direction != "unknown":
        frame["direction"] = clip.direction
    return frame, reason


# --------------------------------------------------------------------------------------------
# Adding clips
# --------------------------------------------------------------------------------------------
def _check_view_direction(view: str, direction: str) -> None:
    if view not in VIEWS:
        raise StoreError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
    if direction not in CLIP_DIRECTIONS:
        raise StoreError(f"direction must be one of {', '.join(CLIP_DIRECTIONS)}, "
                         f"got {direction!r}")


def _refused(reason: str, quality: QualityCard | None = None) -> ClipReport:
    reason = one_line(reason)
    return ClipReport(None, quality or QualityCard.refused(reason), reason)


def _describe(store: CaseStore, clip: Clip) -> str:
    if clip.role == "evidence":
        return f"evidence clip #{clip.clip_id}"
    name = store.suspect(clip.suspect_id).name if clip.suspect_id is not None else "?"
    return f"an enrolment clip of {name} (clip #{clip.clip_id})"


_CACHES: dict[str, Any] = {}


def _keypoint_cache(store: CaseStore) -> Any:
    """The keypoint cache inside the store's data folder (one per process: hashes remembered)."""
    from gait.cache import KeypointCache

    key = str(store.cache_dir.resolve())
    with _memo_lock:
        cache = _CACHES.get(key)
        if cache is None:
            cache = _CACHES[key] = KeypointCache(store.cache_dir)
    return cache


def _ingest_video(store: CaseStore, case_id: int, suspect_id: int | None, role: str,
                  source_path: str | Path, original_name: str, view: str, direction: str,
                  condition: str, progress: ProgressCallback | None, actor: str) -> ClipReport:
    from gait.overlay import OverlayError
    from gait.pose import PoseError
    from gait.video import VideoError

    store.case(case_id)
    _check_view_direction(view, direction)
    if suspect_id is not None and store.suspect(suspect_id).case_id != case_id:
        raise StoreError(f"suspect #{suspect_id} belongs to another case")
    source = Path(source_path)
    original_name = one_line(original_name) or source.name
    suffix = Path(original_name).suffix.lower() or source.suffix.lower()
    if suffix not in VIDEO_EXTENSIONS:
        return _refused(f"{original_name}: not a supported video type (use "
                        f"{', '.join(VIDEO_EXTENSIONS)})")
    try:
        size_bytes = source.stat().st_size
    except OSError:
        return _refused(f"{original_name}: the file cannot be found or read")
    if size_bytes > MAX_UPLOAD_MB * 1024 * 1024:
        return _refused(f"{original_name}: {size_bytes / 1024**2:.0f} MB is over the "
                        f"{MAX_UPLOAD_MB} MB limit")
    if size_bytes == 0:
        return _refused(f"{original_name}: the file is empty")
    try:
        video_sha = store.put_blob(source)
    except StoreError as exc:
        return _refused(str(exc))
    existing = store.clip_for_video(case_id, video_sha)
    if existing is not None:
        if existing.role == role and existing.suspect_id == suspect_id:
            return ClipReport(existing, QualityCard.of_clip(existing), None)
        return _refused(f"{original_name}: this video is already in the case as "
                        f"{_describe(store, existing)}")
    store.log("video stored", case_id, {"video_sha256": video_sha, "original_name":
                                        original_name, "size_bytes": size_bytes, "role": role},
              actor)
    blob = store.blob_path(video_sha)
    cache = _keypoint_cache(store)
    from_cache = cache.path_for(blob).is_file()
    started = time.perf_counter()
    try:
        sequence = cache.get_or_extract(blob, progress=progress, overlay=True)
    except (VideoError, PoseError, OverlayError, KeypointFormatError) as exc:
        reason = one_line(str(exc).replace(blob.name, original_name))
        store.log("extraction failed", case_id, {"video_sha256": video_sha, "original_name":
                                                 original_name, "reason": reason}, actor)
        return _refused(reason if original_name in reason else f"{original_name}: {reason}")
    keypoints_sha = store.put_blob(cache.path_for(blob))
    overlay_file = cache.overlay_path_for(blob)
    overlay_sha = store.put_blob(overlay_file) if overlay_file.is_file() else None
    store.log("keypoints extracted", case_id, {
        "video_sha256": video_sha, "keypoints_sha256": keypoints_sha,
        "overlay_sha256": overlay_sha, "from_cache": from_cache,
        "extractor_version": sequence.meta.get("extractor_version"),
        "settings": sequence.meta.get("settings"),
        "extraction_s": sequence.meta.get("extraction_s"),
        "seconds": round(time.perf_counter() - started, 3),
    }, actor)
    return add_keypoint_clip(store, case_id, suspect_id, sequence, keypoints_sha, original_name,
                             view, direction, condition, source="video", role=role, actor=actor,
                             overlay_sha256=overlay_sha, video_sha256=video_sha)


def enrol_video(store: CaseStore, case_id: int, suspect_id: int, source_path: str | Path,
                original_name: str, view: str, direction: str, condition: str = "normal",
                progress: ProgressCallback | None = None, actor: str = "") -> ClipReport:
    """Add a suspect's walking video to a case.

    The video is stored by content, its keypoints are extracted once (with an overlay video)
    and stored, its gait is analysed, and the clip is recorded with its quality card.

    Parameters
    ----------
    store : CaseStore
    case_id, suspect_id : int
    source_path : path-like
        The uploaded file (it is copied into the store; the original can be deleted).
    original_name : str
        File name to show and record.
    view : {"side", "front"}
    direction : {"left", "right", "front", "back", "unknown"}
    condition : str
        E.g. ``normal``, ``bag``, ``coat``.
    progress : callable, optional
        ``progress(frames_done, frames_total, frames_per_s)`` during extraction.
    actor : str
        Session id, for the audit log.

    Returns
    -------
    ClipReport
        Refused, with a one-line reason, for a file of the wrong type or size, a video that
        cannot be read, a video without a person, or a walk without a complete gait cycle.
        The same video enrolled again returns the existing clip (nothing is re-extracted).

    Raises
    ------
    StoreError
        Only for wrong arguments (unknown case or suspect, invalid view or direction).
    """
    return _ingest_video(store, case_id, suspect_id, "enrolment", source_path, original_name,
                         view, direction, condition, progress, actor)


def add_evidence_video(store: CaseStore, case_id: int, source_path: str | Path,
                       original_name: str, view: str, direction: str = "unknown",
                       progress: ProgressCallback | None = None, actor: str = "",
                       condition: str = "unknown") -> ClipReport:
    """Add an evidence video to a case (as :func:`enrol_video`, without a suspect).

    An evidence clip is kept even without a complete gait cycle: identifying it then gives
    the verdict "insufficient gait" with the reason.
    """
    return _ingest_video(store, case_id, None, "evidence", source_path, original_name, view,
                         direction, condition, progress, actor)


def add_keypoint_clip(store: CaseStore, case_id: int, suspect_id: int | None,
                      sequence: KeypointSequence, keypoints_sha256: str, original_name: str,
                      view: str, direction: str, condition: str = "normal",
                      source: str = "keypoints", role: str = "enrolment", actor: str = "",
                      overlay_sha256: str | None = None, video_sha256: str | None = None
                      ) -> ClipReport:
    """Record a clip from keypoints already stored as a blob (videos, imports, the demo case).

    A direction of ``"unknown"`` is replaced by the direction detected from the walk.

    Returns
    -------
    ClipReport
        Refused when an enrolment clip has no complete gait cycle.
    """
    _check_view_direction(view, direction)
    analysis = analyse_gait(sequence, view)
    _clip_features(store, keypoints_sha256, view, analysis=analysis)
    card = quality_card(sequence, view, analysis, direction)
    if role == "enrolment" and not card.usable:
        reason = f"{original_name}: {card.reason}"
        store.log("clip refused", case_id, {"video_sha256": video_sha256, "keypoints_sha256":
                                            keypoints_sha256, "original_name": original_name,
                                            "reason": reason}, actor)
        return ClipReport(None, card, reason)
    if direction == "unknown" and analysis.walks:
        direction = analysis.direction
    clip, _ = store.add_clip(
        case_id, suspect_id=suspect_id, role=role, original_name=original_name, view=view,
        direction=direction, condition=condition, source=source,
        keypoints_sha256=keypoints_sha256, sequence=sequence, n_cycles=card.n_cycles,
        mean_visibility=card.mean_visibility, warnings=card.warnings, video_sha256=video_sha256,
        overlay_sha256=overlay_sha256, actor=actor,
    )
    return ClipReport(clip, card, None)


def _suspect_id(store: CaseStore, case_id: int, name: str, actor: str,
                created: list[str]) -> int:
    suspect = store.suspect_by_name(case_id, name)
    if suspect is None:
        try:
            suspect = store.add_suspect(case_id, name, actor=actor)
            created.append(suspect.name)
        except StoreError:  # another session created them a moment ago
            suspect = store.suspect_by_name(case_id, name)
            if suspect is None:
                raise
    return suspect.suspect_id


def import_keypoint_folder(store: CaseStore, case_id: int, folder: str | Path, actor: str = "",
                           progress: ImportProgress | None = None) -> ImportReport:
    """Import a keypoint data set folder (``.npz`` files + ``manifest.csv``) as enrolment clips.

    Suspects are created by subject name; clips already in the case (same file content) are
    counted, not added twice; a damaged file or a clip without a gait cycle is refused with
    its reason while the others are imported.

    Parameters
    ----------
    store : CaseStore
    case_id : int
    folder : path-like
        See the data format in the README.
    actor : str
    progress : callable, optional
        ``progress(files_done, files_total)``.

    Raises
    ------
    StoreError
        If the folder has no readable manifest.
    """
    store.case(case_id)
    try:
        records = read_manifest(folder)
    except KeypointFormatError as exc:
        raise StoreError(one_line(exc)) from exc
    n_added = n_existing = 0
    refused: list[tuple[str, str]] = []
    created: list[str] = []
    for done, record in enumerate(records, start=1):
        try:
            sequence = load_npz(record.file, clip_id=record.clip_id)
            keypoints_sha = store.put_blob(record.file)
        except (KeypointFormatError, StoreError) as exc:
            refused.append((record.clip_id, one_line(exc)))
        else:
            if store.clip_for_keypoints(case_id, keypoints_sha) is not None:
                n_existing += 1
            else:
                analysis = analyse_gait(sequence, record.view)
                _clip_features(store, keypoints_sha, record.view, analysis=analysis)
                if not analysis.sufficient:
                    refused.append((record.clip_id, analysis.insufficient_reason
                                    or "no complete gait cycle was found"))
                else:
                    suspect_id = _suspect_id(store, case_id, record.subject, actor, created)
                    report = add_keypoint_clip(
                        store, case_id, suspect_id, sequence, keypoints_sha, record.file.name,
                        record.view, record.direction, record.condition, actor=actor)
                    if report.clip is None:
                        refused.append((record.clip_id, report.refused_reason or "refused"))
                    else:
                        n_added += 1
        if progress is not None:
            progress(done, len(records))
    store.log("keypoints imported", case_id, {
        "folder": str(folder), "n_files": len(records), "n_added": n_added,
        "n_existing": n_existing, "n_refused": len(refused), "suspects_created": created,
    }, actor)
    return ImportReport(n_added, n_existing, tuple(refused), tuple(created))


# --------------------------------------------------------------------------------------------
# Tables for training and plots
# --------------------------------------------------------------------------------------------
def case_table(store: CaseStore, case_id: int, view: str, role: str = "enrolment"
               ) -> FeatureTable:
    """Per-cycle feature table of a case's clips of one view (never re-extracts).

    ``clip_id`` holds the store's clip id as text, ``subject`` the suspect's name (empty for
    evidence clips). Parameters come from the per-clip cache, so a rerun is instant.
    """
    from gait.features import ClipFailure

    if view not in VIEWS:
        raise StoreError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
    names = store.suspect_names(case_id)
    frames, failures, listing = [], [], []
    for clip in store.clips(case_id, view=view, role=role):
        subject = names.get(clip.suspect_id, "") if clip.suspect_id is not None else ""
        frame, reason = _clip_frame(store, clip, subject, view)
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
    frame, _ = _clip_frame(store, clip, subject)
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


def suspect_profile(frame: pd.DataFrame, suspect: str, group: str = "subject") -> pd.DataFrame:
    """How one suspect's gait parameters differ from the whole case.

    Parameters
    ----------
    frame : DataFrame
        Every enrolled cycle of one view (:func:`case_parameters`).
    suspect : str
        Value of the ``group`` column to profile.
    group : str
        Column holding the suspect names.

    Returns
    -------
    DataFrame
        One row per catalogue parameter present in ``frame``: ``parameter, unit, suspect
        median, case median, z vs case`` ((suspect median - case median) / case standard
        deviation; NaN when the parameter does not vary) and ``cycles`` (the suspect's).
    """
    catalogue = {p.name: p for p in CATALOGUE}
    names = [c for c in frame.columns if c in catalogue]
    values = frame[names].astype(float)
    own = values[frame[group] == suspect]
    case_median = values.median()
    spread = values.std().replace(0.0, np.nan)
    return pd.DataFrame({
        "parameter": names,
        "unit": [catalogue[n].unit for n in names],
        "suspect median": own.median().to_numpy(),
        "case median": case_median.to_numpy(),
        "z vs case": ((own.median() - case_median) / spread).to_numpy(),
        "cycles": len(own),
    })


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------
def _fold_evaluation(table: FeatureTable, settings: ModelSettings,
                     progress: TrainingProgress | None) -> dict[str, Any]:
    """Leave-one-clip-per-suspect-out evaluation (up to 6 folds) with per-clip results."""
    from gait.evaluate import N_FOLDS
    from gait.identify import clip_scores
    from gait.model import train_network

    clips_per = table.frame.groupby("subject")["clip_id"].unique()
    eligible = sorted(s for s, ids in clips_per.items() if len(ids) >= 2)
    left_out = sorted(s for s, ids in clips_per.items() if len(ids) < 2)
    if len(eligible) < 2:
        return {METRIC_EVAL_SKIPPED: (
            "the evaluation needs at least two suspects with two or more usable clips "
            f"in this view (found {len(eligible)}); add clips to evaluate the model")}
    sub = table.select(table.frame["subject"].isin(eligible).to_numpy())
    n_folds = min(N_FOLDS, max(len(clips_per[s]) for s in eligible))
    fold_of = {}
    for subject in eligible:
        for i, clip_id in enumerate(sorted(clips_per[subject], key=_natural)):
            fold_of[clip_id] = i % n_folds
    rows = []
    for fold in range(n_folds):
        test_ids = {c for c, f in fold_of.items() if f == fold}
        is_test = sub.frame["clip_id"].isin(test_ids).to_numpy()
        model = train_network(sub.select(~is_test), settings)
        test = sub.select(is_test)
        for clip_id, scores in clip_scores(model, test).items():
            truth = test.frame.loc[test.frame["clip_id"] == clip_id, "subject"].iloc[0]
            order = np.argsort(-scores)
            ranked = [model.suspects[i] for i in order]
            rows.append({"clip_id": clip_id, "subject": truth, "predicted": ranked[0],
                         "score": float(scores[order[0]]),
                         "rank": ranked.index(truth) + 1 if truth in ranked else None})
        if progress is not None:
            progress("evaluation", fold + 1, n_folds)
    results = pd.DataFrame(rows)
    labels = eligible
    counts = np.zeros((len(labels), len(labels)), dtype=int)
    for row in results.itertuples(index=False):
        counts[labels.index(row.subject), labels.index(row.predicted)] += 1
    correct = results["subject"] == results["predicted"]
    per_suspect = {s: float(correct[results["subject"] == s].mean()) for s in labels}
    note = None
    if left_out:
        note = (f"left out of the evaluation (one usable clip only): {', '.join(left_out)}")
    return {
        METRIC_CLIP_RANK1: float(correct.mean()),
        "clip_rank5": float((results["rank"].fillna(np.inf) <= 5).mean()),
        "n_folds": n_folds,
        "n_evaluated_clips": len(results),
        METRIC_PER_SUSPECT: per_suspect,
        METRIC_CONFUSION: {"labels": labels, "counts": counts.tolist()},
        "evaluation_note": note,
        "evaluation_clips": results.to_dict(orient="records"),
        METRIC_EVAL_SKIPPED: None,
    }


def _natural(text: str) -> tuple[int, int, str]:
    return (0, int(text), "") if str(text).isdigit() else (1, 0, str(text))


def train_case_model(store: CaseStore, case_id: int, view: str, with_visibility: bool = True,
                     on_epoch: Callable[[int, Mapping[str, float]], None] | None = None,
                     progress: TrainingProgress | None = None, actor: str = "",
                     evaluate: bool = True, *, settings: ModelSettings | None = None,
                     target_fpir: float | None = None) -> ModelRecord:
    """Train, evaluate and store a model for one view of a case.

    Parameters
    ----------
    store : CaseStore
    case_id : int
    view : {"side", "front"}
    with_visibility : bool
        Use the per-parameter visibility scores as inputs too.
    on_epoch : callable, optional
        ``on_epoch(epoch, logs)`` after every epoch of the case's network, in both training
        stages (see :func:`gait.model.train_network`), for live curves.
    progress : callable, optional
        ``progress(stage, done, total)`` with stage ``"calibration"`` (open-set calibration
        folds) or ``"evaluation"`` (evaluation folds).
    actor : str
    evaluate : bool
        Run the leave-one-clip-per-suspect-out evaluation (up to 6 folds).
    settings : ModelSettings, optional
        Network settings (``with_visibility`` overrides its field).
    target_fpir : float, optional
        Open-set calibration: the accepted share of people who are not suspects that would be
        named as one, in (0, 1); default :data:`gait.identify.DEFAULT_TARGET_FPIR`.

    Returns
    -------
    ModelRecord
        ``metrics`` holds: ``clip_rank1``, ``clip_rank5``, ``per_suspect_accuracy`` (suspect ->
        share of clips named right), ``confusion_matrix`` (``labels``; ``counts`` with rows =
        true suspect, columns = named suspect), ``evaluation_skipped_reason`` (None when it
        ran), ``open_set_threshold`` (None with fewer than 4 suspects), ``open_set``,
        ``n_cycles``, ``n_clips``, ``cycles_per_suspect``, ``clips_per_suspect``,
        ``training_s``, ``evaluation_s``, ``history`` (per-epoch curves) and ``settings``.

    Raises
    ------
    StoreError
        If fewer than two suspects have usable clips in that view, or ``target_fpir`` is not
        a rate.
    """
    from gait.identify import DEFAULT_TARGET_FPIR, train_identifier
    from gait.model import ModelError, ModelSettings

    target_fpir = DEFAULT_TARGET_FPIR if target_fpir is None else float(target_fpir)
    if not 0 < target_fpir < 1:
        raise StoreError(f"the accepted false-match rate must be between 0 and 1, not "
                         f"{target_fpir}")
    table = case_table(store, case_id, view)
    if len(table.subjects) < 2:
        raise StoreError(
            f"training needs usable {view}-view clips of at least two suspects; this case has "
            f"{len(table.subjects)}: enrol more clips on the Enrolment page")
    settings = replace(settings or ModelSettings.for_view(view),
                       with_visibility=bool(with_visibility))
    started = time.perf_counter()
    try:
        model = train_identifier(
            table, settings, target_fpir, on_epoch=on_epoch,
            progress=None if progress is None else (lambda d, t: progress("calibration", d, t)))
    except ModelError as exc:
        raise StoreError(one_line(exc)) from exc
    training_s = time.perf_counter() - started
    calibration = model.metadata.get("open_set")
    frame = table.frame
    metrics: dict[str, Any] = {
        METRIC_N_CYCLES: len(frame),
        "n_clips": int(frame["clip_id"].nunique()),
        "n_suspects": len(model.suspects),
        "cycles_per_suspect": {str(k): int(v) for k, v in frame.groupby("subject").size().items()},
        "clips_per_suspect": {str(k): int(v) for k, v in
                              frame.groupby("subject")["clip_id"].nunique().items()},
        METRIC_TRAINING_S: round(training_s, 3),
        METRIC_THRESHOLD: None if not calibration else float(calibration["threshold"]),
        "open_set": calibration,
        "open_set_note": None if calibration else (
            "no open-set calibration (it needs at least 4 suspects): the top suspect is "
            "always named"),
        "history": model.metadata.get("history", {}),
        "epochs": model.metadata.get("epochs"),
        "settings": settings.to_dict(),
        "training_data_sha256": model.metadata.get("training_data", {}).get(
            "fingerprint_sha256"),
        "clips_without_cycles": [f.clip_id for f in table.failures],
    }
    if evaluate:
        started = time.perf_counter()
        metrics.update(_fold_evaluation(table, settings, progress))
        metrics["evaluation_s"] = round(time.perf_counter() - started, 3)
    else:
        metrics[METRIC_EVAL_SKIPPED] = "evaluation not requested"
    return store.add_model(case_id, model, metrics, actor=actor)


def load_case_model(store: CaseStore, record: ModelRecord) -> GaitModel:
    """The stored model (hash-checked every time; loaded once per process)."""
    store.model_files(record)
    key = (str(store.data_dir.resolve()), record.model_id)
    model = _recall(_MODEL_MEMO, key)
    if model is None:
        model = store.load_model(record)
        _remember(_MODEL_MEMO, key, model, _MODEL_MEMO_SIZE)
    return model


# --------------------------------------------------------------------------------------------
# Identification
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IdentificationOutcome:
    """An identification made and recorded.

    Attributes
    ----------
    record : IdentificationRecord
        As written to the store.
    identification : gait.identify.Identification
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


def compare_parameters(evidence: pd.DataFrame, suspect: pd.DataFrame, everyone: pd.DataFrame,
                       view: str) -> pd.DataFrame:
    """Parameter-by-parameter comparison of an evidence clip with a suspect's enrolment.

    Parameters
    ----------
    evidence, suspect, everyone : DataFrame
        Per-cycle rows of the evidence clip, of the suspect's enrolment clips and of every
        enrolment clip of the case (for the spread floor).
    view : {"side", "front"}

    Returns
    -------
    DataFrame
        See :attr:`IdentificationOutcome.comparison`. ``standardised_difference`` =
        (evidence median - suspect median) / suspect spread, where the spread is the
        standard deviation of the suspect's cycles, floored at
        ``SPREAD_FLOOR_FRACTION`` x the case-wide standard deviation.
    """
    rows = []
    for parameter in parameters_for_view(view):
        name = parameter.name
        ev = evidence[name].dropna().to_numpy(float) if name in evidence else np.array([])
        su = suspect[name].dropna().to_numpy(float) if name in suspect else np.array([])
        al = everyone[name].dropna().to_numpy(float) if name in everyone else np.array([])
        ev_median = float(np.median(ev)) if ev.size else np.nan
        su_median = float(np.median(su)) if su.size else np.nan
        spread = float(np.std(su, ddof=1)) if su.size >= 2 else np.nan
        floor = SPREAD_FLOOR_FRACTION * float(np.std(al, ddof=1)) if al.size >= 2 else np.nan
        scale = np.nanmax([spread, floor]) if np.isfinite([spread, floor]).any() else np.nan
        diff = (ev_median - su_median) / scale if scale and np.isfinite(scale) else np.nan
        rows.append((name, parameter.unit, parameter.group, ev_median, su_median, spread,
                     float(diff), int(ev.size), int(su.size)))
    frame = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    order = frame[COL_STD_DIFF].abs().sort_values(na_position="last", kind="stable").index
    return frame.loc[order].reset_index(drop=True)


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
    from gait.identify import identify_table
    from gait.model import ModelError

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
    frame, reason = _clip_frame(store, clip, "", clip.view)
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
        "software_version": __version__,
        "analysis_version": analysis_version(),
    }
    stored = store.add_identification(
        case_id, clip.clip_id, record.model_id, identification.verdict, identification.suspect,
        identification.calibrated_probability, result, actor=actor)
    return IdentificationOutcome(stored, identification, comparison, compared)
