"""The clips table of the case store: enrolment and evidence clips with their files."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gait.case.store.cases import CaseTables
from gait.case.store.database import to_json, utc_now
from gait.case.store.permissions import CHANGE_CASE, OPEN_CASE
from gait.case.store.records import CLIP_DIRECTIONS, ROLES, SOURCES, Clip, StoreError, one_line
from gait.media.keypoints import VIEWS, KeypointFormatError, KeypointSequence, load_npz

# The walk of a recording a clip analyses: (track id, start s, end s).
Walk = tuple[int, float, float]


def walk_of(sequence: KeypointSequence) -> Walk | None:
    """The walk recorded in keypoints extracted from a video (``meta["walk"]``), or None."""
    walk = sequence.meta.get("walk")
    if not isinstance(walk, Mapping):
        return None
    try:
        return int(walk["track_id"]), float(walk["start_s"]), float(walk["end_s"])
    except (KeyError, TypeError, ValueError):
        return None


class ClipTable(CaseTables):
    """Reads and writes of clips (their files are blobs, see :class:`BlobFiles`)."""

    @staticmethod
    def _clip(row: sqlite3.Row) -> Clip:
        return Clip(
            clip_id=row["clip_id"], case_id=row["case_id"], suspect_id=row["suspect_id"],
            role=row["role"], original_name=row["original_name"], view=row["view"],
            direction=row["direction"], condition=row["condition"], source=row["source"],
            video_sha256=row["video_sha256"], keypoints_sha256=row["keypoints_sha256"],
            fps=float(row["fps"]), frame_width_px=row["frame_width_px"],
            frame_height_px=row["frame_height_px"], duration_s=float(row["duration_s"]),
            n_frames=int(row["n_frames"]), frames_with_person=int(row["frames_with_person"]),
            mean_visibility=float(row["mean_visibility"]), n_cycles=int(row["n_cycles"]),
            warnings=tuple(json.loads(row["warnings_json"])), added_at=row["added_at"],
            added_by=row["added_by"], overlay_sha256=row["overlay_sha256"],
            track_id=row["track_id"], start_s=row["start_s"], end_s=row["end_s"],
        )

    def add_clip(
        self,
        case_id: int,
        *,
        suspect_id: int | None,
        role: str,
        original_name: str,
        view: str,
        direction: str,
        condition: str,
        source: str,
        keypoints_sha256: str,
        sequence: KeypointSequence,
        n_cycles: int,
        mean_visibility: float,
        warnings: tuple[str, ...] = (),
        video_sha256: str | None = None,
        overlay_sha256: str | None = None,
        actor: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> tuple[Clip, bool]:
        """Record a clip whose files are already stored as blobs.

        The walk analysed (track and time range) is read from ``sequence.meta["walk"]`` when
        the keypoints were extracted from the video (:func:`gait.pose.extraction.
        extract_keypoints`).

        Returns
        -------
        (Clip, bool)
            The clip, and whether it was added (False: the same walk of the same video, or the
            same keypoints without a video, was already in the case, and that clip is
            returned).

        Raises
        ------
        StoreError
            On invalid values, an unknown case or suspect, or a suspect of another case.
        """
        self.require(CHANGE_CASE, case_id)
        if role not in ROLES:
            raise StoreError(f"clip role must be one of {ROLES}, got {role!r}")
        if source not in SOURCES:
            raise StoreError(f"clip source must be one of {SOURCES}, got {source!r}")
        if view not in VIEWS:
            raise StoreError(f"view must be one of {VIEWS}, got {view!r}")
        if direction not in CLIP_DIRECTIONS:
            raise StoreError(f"direction must be one of {CLIP_DIRECTIONS}, got {direction!r}")
        if role == "enrolment" and suspect_id is None:
            raise StoreError("an enrolment clip needs a suspect")
        if suspect_id is not None and self.suspect(suspect_id).case_id != case_id:
            raise StoreError(f"suspect #{suspect_id} belongs to another case")
        self.case(case_id)
        for sha in (keypoints_sha256, video_sha256, overlay_sha256):
            if sha is not None and not self.has_blob(sha):
                raise StoreError(f"stored file {sha[:12]}… is missing: store it first")
        width, height = sequence.frame_size_px or (None, None)
        walk = walk_of(sequence) if video_sha256 is not None else None
        existing = self._existing_clip(case_id, video_sha256, keypoints_sha256, walk)
        if existing is not None:
            return existing, False
        track_id, start_s, end_s = walk or (None, None, None)
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "INSERT INTO clips (case_id, suspect_id, role, original_name, view, "
                    "direction, condition, source, video_sha256, keypoints_sha256, "
                    "overlay_sha256, fps, frame_width_px, frame_height_px, duration_s, "
                    "n_frames, frames_with_person, mean_visibility, n_cycles, warnings_json, "
                    "added_at, added_by, track_id, start_s, end_s) VALUES (?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (case_id, suspect_id, role, one_line(original_name) or "clip", view,
                     direction, one_line(condition) or "normal", source, video_sha256,
                     keypoints_sha256, overlay_sha256, float(sequence.fps), width, height,
                     float(sequence.duration_s), int(sequence.n_frames),
                     int(sequence.detected.sum()), float(mean_visibility), int(n_cycles),
                     to_json(list(warnings)), utc_now(), self._who(actor), track_id, start_s,
                     end_s),
                )
                clip_id = int(cursor.lastrowid or 0)
                self._log(conn, "clip added", case_id, {
                    "clip_id": clip_id, "suspect_id": suspect_id, "role": role,
                    "original_name": original_name, "view": view, "direction": direction,
                    "source": source, "video_sha256": video_sha256,
                    "keypoints_sha256": keypoints_sha256, "n_cycles": int(n_cycles),
                    "walk": sequence.meta.get("walk") if walk else None,
                    **dict(details or {}),
                }, actor)
        except sqlite3.IntegrityError as exc:
            # Another session added the same clip at the same moment: use theirs.
            existing = self._existing_clip(case_id, video_sha256, keypoints_sha256, walk)
            if existing is None:
                raise StoreError(f"the clip could not be recorded: {exc}") from exc
            return existing, False
        return self.clip(clip_id), True

    def _existing_clip(self, case_id: int, video_sha256: str | None, keypoints_sha256: str,
                       walk: Walk | None = None) -> Clip | None:
        self.require(OPEN_CASE, case_id)
        with self._connect() as conn:
            if video_sha256 is not None and walk is not None:
                row = conn.execute(
                    "SELECT * FROM clips WHERE case_id = ? AND video_sha256 = ? AND track_id = ? "
                    "AND start_s = ? AND end_s = ?", (case_id, video_sha256, *walk)).fetchone()
            elif video_sha256 is not None:
                row = conn.execute(
                    "SELECT * FROM clips WHERE case_id = ? AND video_sha256 = ? "
                    "AND track_id IS NULL", (case_id, video_sha256)).fetchone()
            else:
                row = conn.execute(
                    "SELECT * FROM clips WHERE case_id = ? AND keypoints_sha256 = ? "
                    "AND video_sha256 IS NULL", (case_id, keypoints_sha256)).fetchone()
        return None if row is None else self._clip(row)

    def clips_of_video(self, case_id: int, video_sha256: str) -> list[Clip]:
        """The case's clips of this video (by content; one per walk analysed), oldest first."""
        self.require(OPEN_CASE, case_id)
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM clips WHERE case_id = ? AND video_sha256 = ? "
                                "ORDER BY clip_id", (case_id, video_sha256)).fetchall()
        return [self._clip(r) for r in rows]

    def clip_for_keypoints(self, case_id: int, keypoints_sha256: str) -> Clip | None:
        """The case's clip of these keypoints without a video (by content), or ``None``."""
        return self._existing_clip(case_id, None, keypoints_sha256)

    def clips(self, case_id: int, view: str | None = None, role: str | None = None,
              suspect_id: int | None = None) -> list[Clip]:
        """The clips of a case, optionally of one view, role or suspect, oldest first."""
        self.require(OPEN_CASE, case_id)
        query = "SELECT * FROM clips WHERE case_id = ?"
        args: list[Any] = [case_id]
        for column, value in (("view", view), ("role", role), ("suspect_id", suspect_id)):
            if value is not None:
                query += f" AND {column} = ?"
                args.append(value)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY clip_id", args).fetchall()
        return [self._clip(r) for r in rows]

    def clip(self, clip_id: int) -> Clip:
        """The clip with this id (StoreError if there is none)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM clips WHERE clip_id = ?", (clip_id,)).fetchone()
        if row is None:
            raise StoreError(f"there is no clip #{clip_id}")
        self.require(OPEN_CASE, row["case_id"])
        return self._clip(row)

    def keypoints(self, clip: Clip) -> KeypointSequence:
        """The clip's keypoints, read from its hash-checked blob.

        Raises
        ------
        StoreError
            If the file is missing, altered or unreadable.
        """
        self.require(OPEN_CASE, clip.case_id)
        path = self.blob_path(clip.keypoints_sha256)
        try:
            return load_npz(path, clip_id=str(clip.clip_id))
        except KeypointFormatError as exc:
            raise StoreError(f"the keypoints of clip #{clip.clip_id} cannot be read") from exc

    def video_path(self, clip: Clip) -> Path | None:
        """The clip's original video (hash-checked), or ``None`` for imported keypoints."""
        self.require(OPEN_CASE, clip.case_id)
        return self.blob_path(clip.video_sha256) if clip.video_sha256 else None

    def overlay_path(self, clip: Clip) -> Path | None:
        """The clip's H.264 overlay MP4 (hash-checked), or ``None`` if none was made."""
        self.require(OPEN_CASE, clip.case_id)
        return self.blob_path(clip.overlay_sha256) if clip.overlay_sha256 else None
