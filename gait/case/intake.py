"""Adding clips to a case: suspects' walking videos, evidence videos, and keypoints.

A video is stored by content, its keypoints are extracted once (the engine's cache lives
inside the data folder, ``data/keypoints-cache``, keyed by the video's content, extractor and
settings) with an overlay video, its gait is analysed once, and the clip is recorded with its
quality card. A file a user should not have given (wrong type, too large, no person, no gait
cycle) comes back as a refused :class:`ClipReport` with a one-line reason; nothing is recorded
half.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gait.case.clip_analysis import clip_features
from gait.case.store import CLIP_DIRECTIONS, CaseStore, Clip, StoreError, one_line
from gait.media.keypoints import VIEWS, KeypointFormatError, KeypointSequence
from gait.walk.cycles import analyse_gait
from gait.walk.quality import QualityCard, quality_card

if TYPE_CHECKING:
    from gait.pose.cache import KeypointCache
    from gait.pose.extraction import ProgressCallback

MAX_UPLOAD_MB = 500
VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv")


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


def card_of_clip(clip: Clip) -> QualityCard:
    """The quality card recorded with a stored clip."""
    return QualityCard(clip.n_frames, clip.frames_with_person, clip.mean_visibility,
                       clip.n_cycles, clip.duration_s, clip.warnings, clip.n_cycles > 0,
                       None if clip.n_cycles > 0 else "no complete gait cycle was found")


_CACHES: dict[str, KeypointCache] = {}
_CACHES_LOCK = threading.Lock()


def _keypoint_cache(store: CaseStore) -> KeypointCache:
    """The keypoint cache inside the store's data folder (one per process: hashes remembered)."""
    from gait.pose.cache import KeypointCache

    key = str(store.cache_dir.resolve())
    with _CACHES_LOCK:
        cache = _CACHES.get(key)
        if cache is None:
            cache = _CACHES[key] = KeypointCache(store.cache_dir)
    return cache


def _ingest_video(store: CaseStore, case_id: int, suspect_id: int | None, role: str,
                  source_path: str | Path, original_name: str, view: str, direction: str,
                  condition: str, progress: ProgressCallback | None, actor: str) -> ClipReport:
    from gait.media.overlay import OverlayError
    from gait.media.video import VideoError
    from gait.pose.extraction import PoseError

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
            return ClipReport(existing, card_of_clip(existing), None)
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
    clip_features(store, keypoints_sha256, view, analysis=analysis)
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
