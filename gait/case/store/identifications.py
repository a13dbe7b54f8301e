"""The identifications table of the case store: every identification made, never changed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from gait.case.store.clips import ClipTable
from gait.case.store.database import to_json, utc_now
from gait.case.store.models import ModelTable
from gait.case.store.permissions import CHANGE_CASE, OPEN_CASE
from gait.case.store.records import IdentificationRecord, StoreError


class IdentificationTable(ClipTable, ModelTable):
    """Reads and writes of identifications (each recorded with its audit event)."""

    @staticmethod
    def _identification(row: sqlite3.Row) -> IdentificationRecord:
        return IdentificationRecord(
            row["identification_id"], row["case_id"], row["clip_id"], row["model_id"],
            row["verdict"], row["suspect"], row["calibrated_probability"],
            json.loads(row["result_json"]), row["created_at"], row["added_by"],
        )

    def add_identification(self, case_id: int, clip_id: int, model_id: int, verdict: str,
                           suspect: str | None, calibrated_probability: float | None,
                           result: Mapping[str, Any], actor: str = "") -> IdentificationRecord:
        """Record an identification and its audit event in one transaction."""
        self.require(CHANGE_CASE, case_id)
        clip, model = self.clip(clip_id), self.model(model_id)
        if clip.case_id != case_id or model.case_id != case_id:
            raise StoreError("the clip and the model must belong to the case")
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO identifications (case_id, clip_id, model_id, verdict, suspect, "
                "calibrated_probability, result_json, created_at, added_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (case_id, clip_id, model_id, verdict, suspect,
                 None if calibrated_probability is None else float(calibrated_probability),
                 to_json(dict(result)), utc_now(), self._who(actor)),
            )
            identification_id = int(cursor.lastrowid or 0)
            self._log(conn, "identification", case_id, {
                "identification_id": identification_id, "clip_id": clip_id,
                "model_id": model_id, "verdict": verdict, "suspect": suspect,
                "calibrated_probability": calibrated_probability,
                "video_sha256": clip.video_sha256, "keypoints_sha256": clip.keypoints_sha256,
            }, actor)
        return self.identification(identification_id)

    def identification(self, identification_id: int) -> IdentificationRecord:
        """The identification with this id (StoreError if there is none)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM identifications WHERE identification_id = ?",
                               (identification_id,)).fetchone()
        if row is None:
            raise StoreError(f"there is no identification #{identification_id}")
        self.require(OPEN_CASE, row["case_id"])
        return self._identification(row)

    def identifications(self, case_id: int) -> list[IdentificationRecord]:
        """Every identification of a case, newest first."""
        self.require(OPEN_CASE, case_id)
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM identifications WHERE case_id = ? "
                "ORDER BY identification_id DESC", (case_id,)).fetchall()
        return [self._identification(r) for r in rows]
