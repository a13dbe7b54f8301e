"""Adding clips to a case: suspects' walking videos, evidence videos, and keypoints.

A video is stored by content, whole and unchanged, and scanned once for its people and walks
(:func:`store_recording`: the gallery a user picks from when there are several). The walk
chosen (a person track and a time range; by default the longest steady walk) is extracted
once (the engine's cache lives inside the data folder, ``data/keypoints-cache``, keyed by the
video's content, extractor, settings and the choice) with an overlay video, its gait is
analysed once, and the clip is recorded with its quality card and the walk analysed. Each
walk of a recording can be enrolled or identified on its own (:func:`enrol_walk`,
:func:`add_evidence_walk`). A file a user should not have given (wrong type, too large, no
person, no gait cycle, a choice outside the recording) comes back as a refused
:class:`ClipReport` with a one-line reason; nothing is recorded half.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gait.case.clip_analysis import clip_features
from gait.case.store import CLIP_DIRECTIONS, CaseStore, Clip, StoreError, one_line
from gait.case.store.permissions import CHANGE_CASE
from gait.media.keypoints import VIEWS, KeypointFormatError, KeypointSequence
from gait.walk.cycles import analyse_gait
from gait.walk.quality import QualityCard, quality_card

if TYPE_CHECKING:
    from gait.pose.cache import KeypointCache
    from gait.pose.extraction import ProgressCallback, WalkChoice
    from gait.pose.scan import RecordingScan

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


@dataclass(frozen=True)
class Recording:
    """A video stored in a case, scanned for its people and their walks.

    Attributes
    ----------
    video_sha256 : str
        The stored file (whole and unchanged).
    original_name : str
    scan : gait.pose.scan.RecordingScan
        Its person tracks (thumbnail, time range, size, walking segments).
    """

    video_sha256: str
    original_name: str
    scan: RecordingScan

    @property
    def needs_choice(self) -> bool:
        """Whether the recording holds more than one person or more than one walk, so that
        the user should say which walk to analyse."""
        return len(self.scan.tracks) > 1 or len(self.scan.walks()) > 1


@dataclass(frozen=True)
class RecordingReport:
    """The outcome of storing and scanning a video: the recording, or why it was refused."""

    recording: Recording | None
    refused_reason: str | None


def _store_video(store: CaseStore, case_id: int, source: Path, original_name: str, role: str,
                 actor: str) -> tuple[str | None, str | None]:
    """Check an uploaded video and store it by content: ``(sha256, None)`` or ``(None,
    reason)``."""
    suffix = Path(original_name).suffix.lower() or source.suffix.lower()
    if suffix not in VIDEO_EXTENSIONS:
        return None, (f"{original_name}: not a supported video type (use "
                      f"{', '.join(VIDEO_EXTENSIONS)})")
    try:
        size_bytes = source.stat().st_size
    except OSError:
        return None, f"{original_name}: the file cannot be found or read"
    if size_bytes > MAX_UPLOAD_MB * 1024 * 1024:
        return None, (f"{original_name}: {size_bytes / 1024**2:.0f} MB is over the "
                      f"{MAX_UPLOAD_MB} MB limit")
    if size_bytes == 0:
        return None, f"{original_name}: the file is empty"
    try:
        video_sha = store.put_blob(source)
    except StoreError as exc:
        return None, str(exc)
    store.log("video stored", case_id, {"video_sha256": video_sha, "original_name":
                                        original_name, "size_bytes": size_bytes, "role": role},
              actor)
    return video_sha, None


def _in_own_words(error: Exception, blob: Path, original_name: str) -> str:
    """An engine error about a blob file, told with the file's original name."""
    reason = one_line(str(error).replace(blob.name, original_name))
    return reason if original_name in reason else f"{original_name}: {reason}"


def store_recording(store: CaseStore, case_id: int, source_path: str | Path, original_name: str,
                    role: str = "evidence", progress: Callable[[float, float], None] | None = None,
                    actor: str = "") -> RecordingReport:
    """Store an uploaded video in a case and scan it for its people and walks (once: the
    scan is cached), so that the user can choose the walk to analyse.

    Parameters
    ----------
    store : CaseStore
    case_id : int
    source_path : path-like
        The uploaded file (copied into the store).
    original_name : str
    role : {"enrolment", "evidence"}
        What the video is for (recorded in the audit log).
    progress : callable, optional
        ``progress(seconds_scanned, seconds_total)`` while scanning.
    actor : str

    Returns
    -------
    RecordingReport
        Refused, with a one-line reason, for a file of the wrong type or size, or one that
        cannot be read as a video. A recording in which nobody is found is stored and scanned
        (the scan says so); analysing it is refused.
    """
    store.case(case_id)
    store.require(CHANGE_CASE, case_id)
    source = Path(source_path)
    original_name = one_line(original_name) or source.name
    video_sha, reason = _store_video(store, case_id, source, original_name, role, actor)
    if video_sha is None:
        return RecordingReport(None, one_line(reason or "the video cannot be stored"))
    try:
        return RecordingReport(stored_recording(store, case_id, video_sha, progress), None)
    except StoreError as exc:
        return RecordingReport(None, one_line(str(exc)))


def stored_recording(store: CaseStore, case_id: int, video_sha256: str,
                     progress: Callable[[float, float], None] | None = None) -> Recording:
    """A video already stored in the case, with its scan (from the cache, or made again).

    Raises
    ------
    StoreError
        If the video did not enter this case, or its file was altered or cannot be read.
    """
    from gait.media.video import VideoError
    from gait.pose.cache import scan_settings_for
    from gait.pose.settings import PoseSettings

    name = _stored_video(store, case_id, video_sha256)
    blob = store.blob_path(video_sha256)
    try:
        scan = _keypoint_cache(store).get_or_scan(blob, scan_settings_for(PoseSettings()),
                                                  progress)
    except VideoError as exc:
        raise StoreError(_in_own_words(exc, blob, name)) from exc
    return Recording(video_sha256, name, scan)


def _analyse_walk(store: CaseStore, case_id: int, suspect_id: int | None, role: str,
                  video_sha: str, original_name: str, view: str, direction: str,
                  condition: str, progress: ProgressCallback | None, actor: str,
                  choice: WalkChoice | None) -> ClipReport:
    """Extract the chosen walk of a stored video and record it as a clip."""
    from gait.media.overlay import OverlayError
    from gait.media.video import VideoError
    from gait.pose.extraction import PoseError

    blob = store.blob_path(video_sha)
    cache = _keypoint_cache(store)
    asked = None if choice is None else choice.to_dict()
    from_cache = cache.path_for(blob, choice=choice).is_file()
    started = time.perf_counter()
    try:
        sequence = cache.get_or_extract(blob, progress=progress, overlay=True, choice=choice)
    except (VideoError, PoseError, OverlayError, KeypointFormatError) as exc:
        reason = _in_own_words(exc, blob, original_name)
        store.log("extraction failed", case_id, {"video_sha256": video_sha, "original_name":
                                                 original_name, "choice": asked,
                                                 "reason": reason}, actor)
        return _refused(reason)
    walk = sequence.meta.get("walk") or {}
    for other in store.clips_of_video(case_id, video_sha):
        same_person = other.track_id is None or other.track_id == walk.get("track_id")
        if same_person and (other.role, other.suspect_id) != (role, suspect_id):
            who = "this video" if other.track_id is None else \
                f"person {other.track_id} of this video"
            return _refused(f"{original_name}: {who} is already in the case as "
                            f"{_describe(store, other)}")
    keypoints_sha = store.put_blob(cache.path_for(blob, choice=choice))
    overlay_file = cache.overlay_path_for(blob, choice=choice)
    overlay_sha = store.put_blob(overlay_file) if overlay_file.is_file() else None
    store.log("keypoints extracted", case_id, {
        "video_sha256": video_sha, "keypoints_sha256": keypoints_sha,
        "overlay_sha256": overlay_sha, "from_cache": from_cache, "choice": asked, "walk": walk,
        "extractor_version": sequence.meta.get("extractor_version"),
        "settings": sequence.meta.get("settings"),
        "extraction_s": sequence.meta.get("extraction_s"),
        "seconds": round(time.perf_counter() - started, 3),
    }, actor)
    return add_keypoint_clip(store, case_id, suspect_id, sequence, keypoints_sha, original_name,
                             view, direction, condition, source="video", role=role, actor=actor,
                             overlay_sha256=overlay_sha, video_sha256=video_sha)


def _ingest_video(store: CaseStore, case_id: int, suspect_id: int | None, role: str,
                  source_path: str | Path, original_name: str, view: str, direction: str,
                  condition: str, progress: ProgressCallback | None, actor: str,
                  choice: WalkChoice | None) -> ClipReport:
    store.case(case_id)
    store.require(CHANGE_CASE, case_id)
    _check_view_direction(view, direction)
    if suspect_id is not None and store.suspect(suspect_id).case_id != case_id:
        raise StoreError(f"suspect #{suspect_id} belongs to another case")
    source = Path(source_path)
    original_name = one_line(original_name) or source.name
    video_sha, reason = _store_video(store, case_id, source, original_name, role, actor)
    if video_sha is None:
        return _refused(reason or "the video cannot be stored")
    return _analyse_walk(store, case_id, suspect_id, role, video_sha, original_name, view,
                         direction, condition, progress, actor, choice)


def _stored_video(store: CaseStore, case_id: int, video_sha256: str) -> str:
    """The name under which a stored video last entered the case (StoreError if it did
    not)."""
    store.case(case_id)
    for event in reversed(store.audit(case_id)):
        if event.action == "video stored" and event.details.get("video_sha256") == video_sha256:
            return str(event.details.get("original_name") or "video")
    raise StoreError(f"video {video_sha256[:12]}… is not stored in this case")


def enrol_video(store: CaseStore, case_id: int, suspect_id: int, source_path: str | Path,
                original_name: str, view: str, direction: str, condition: str = "normal",
                progress: ProgressCallback | None = None, actor: str = "",
                choice: WalkChoice | None = None) -> ClipReport:
    """Add a suspect's walking video to a case.

    The video is stored by content, the chosen walk's keypoints are extracted once (with an
    overlay video) and stored, its gait is analysed, and the clip is recorded with its
    quality card and the walk analysed (track, start, end).

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
    choice : gait.pose.extraction.WalkChoice, optional
        The person track and time range to analyse (default: the longest steady walk).

    Returns
    -------
    ClipReport
        Refused, with a one-line reason, for a file of the wrong type or size, a video that
        cannot be read, a video without a person, a choice that does not fit the recording,
        a walk without a complete gait cycle, or a person of the video already in the case
        in another role. The same walk enrolled again returns the existing clip (nothing is
        re-extracted).

    Raises
    ------
    StoreError
        Only for wrong arguments (unknown case or suspect, invalid view or direction).
    """
    return _ingest_video(store, case_id, suspect_id, "enrolment", source_path, original_name,
                         view, direction, condition, progress, actor, choice)


def enrol_walk(store: CaseStore, case_id: int, suspect_id: int, video_sha256: str, view: str,
               direction: str, condition: str = "normal",
               progress: ProgressCallback | None = None, actor: str = "",
               choice: WalkChoice | None = None) -> ClipReport:
    """Enrol a walk of a video already stored in the case (:func:`store_recording`), e.g.
    another person or walking segment of a recording (parameters as :func:`enrol_video`)."""
    store.require(CHANGE_CASE, case_id)
    name = _stored_video(store, case_id, video_sha256)
    _check_view_direction(view, direction)
    if store.suspect(suspect_id).case_id != case_id:
        raise StoreError(f"suspect #{suspect_id} belongs to another case")
    return _analyse_walk(store, case_id, suspect_id, "enrolment", video_sha256, name, view,
                         direction, condition, progress, actor, choice)


def add_evidence_video(store: CaseStore, case_id: int, source_path: str | Path,
                       original_name: str, view: str, direction: str = "unknown",
                       progress: ProgressCallback | None = None, actor: str = "",
                       condition: str = "unknown", choice: WalkChoice | None = None
                       ) -> ClipReport:
    """Add an evidence video to a case (as :func:`enrol_video`, without a suspect).

    The file is stored whole and unchanged; what is analysed is the chosen walk. An evidence
    clip is kept even without a complete gait cycle: identifying it then gives the verdict
    "insufficient gait" with the reason.
    """
    return _ingest_video(store, case_id, None, "evidence", source_path, original_name, view,
                         direction, condition, progress, actor, choice)


def add_evidence_walk(store: CaseStore, case_id: int, video_sha256: str, view: str,
                      direction: str = "unknown", progress: ProgressCallback | None = None,
                      actor: str = "", condition: str = "unknown",
                      choice: WalkChoice | None = None) -> ClipReport:
    """Add a walk of an evidence video already stored in the case as an evidence clip (e.g.
    another person of the same recording; parameters as :func:`add_evidence_video`)."""
    store.require(CHANGE_CASE, case_id)
    name = _stored_video(store, case_id, video_sha256)
    _check_view_direction(view, direction)
    return _analyse_walk(store, case_id, None, "evidence", video_sha256, name, view, direction,
                         condition, progress, actor, choice)


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
    store.require(CHANGE_CASE, case_id)
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
