"""The models table of the case store: trained models under ``models/<model_id>/``."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gait.case.store.cases import CaseTables
from gait.case.store.database import to_json, utc_now
from gait.case.store.permissions import CHANGE_CASE, OPEN_CASE
from gait.case.store.records import ModelRecord, StoreError
from gait.media.files import sha256_file

if TYPE_CHECKING:
    from gait.identification.model import GaitModel


class ModelTable(CaseTables):
    """Reads and writes of trained models (``.keras`` + ``.json``, hash-checked on use)."""

    @staticmethod
    def _model(row: sqlite3.Row) -> ModelRecord:
        return ModelRecord(row["model_id"], row["case_id"], row["view"],
                           bool(row["with_visibility"]), tuple(json.loads(row["suspects_json"])),
                           json.loads(row["metrics_json"]), row["created_at"], row["added_by"])

    def add_model(self, case_id: int, model: GaitModel, metrics: Mapping[str, Any],
                  actor: str = "") -> ModelRecord:
        """Save a trained model under ``models/<model_id>/`` and record it.

        The files are written to a staging folder first and moved into place inside the
        transaction that records them, so a failure leaves no half-recorded model.
        """
        self.case(case_id)
        self.require(CHANGE_CASE, case_id)
        staging = self.model_dir / f".staging-{uuid.uuid4().hex}"
        try:
            keras_path, json_path = model.save(staging / "model")
            keras_sha, json_sha = sha256_file(keras_path), sha256_file(json_path)
            with self._write() as conn:
                cursor = conn.execute(
                    "INSERT INTO models (case_id, view, with_visibility, suspects_json, "
                    "metrics_json, keras_sha256, json_sha256, created_at, added_by) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (case_id, model.view, int(model.settings.with_visibility),
                     to_json(list(model.suspects)), to_json(dict(metrics)), keras_sha, json_sha,
                     utc_now(), self._who(actor)),
                )
                model_id = int(cursor.lastrowid or 0)
                final = self.model_dir / str(model_id)
                if final.exists():  # left by a crash between rename and commit: no row owns it
                    shutil.rmtree(final)
                os.replace(staging, final)
                self._log(conn, "model trained", case_id, {
                    "model_id": model_id, "view": model.view, "suspects": list(model.suspects),
                    "with_visibility": model.settings.with_visibility,
                    "keras_sha256": keras_sha, "json_sha256": json_sha,
                    "training_data": model.metadata.get("training_data", {}),
                    "settings": model.settings.to_dict(),
                }, actor)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return self.model(model_id)

    def model(self, model_id: int) -> ModelRecord:
        """The model record with this id (StoreError if there is none)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM models WHERE model_id = ?", (model_id,)).fetchone()
        if row is None:
            raise StoreError(f"there is no model #{model_id}")
        self.require(OPEN_CASE, row["case_id"])
        return self._model(row)

    def models(self, case_id: int, view: str | None = None) -> list[ModelRecord]:
        """The models of a case (optionally of one view), newest first."""
        self.require(OPEN_CASE, case_id)
        query = "SELECT * FROM models WHERE case_id = ?"
        args: list[Any] = [case_id]
        if view is not None:
            query += " AND view = ?"
            args.append(view)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY model_id DESC", args).fetchall()
        return [self._model(r) for r in rows]

    def model_hashes(self, record: ModelRecord) -> tuple[str, str]:
        """SHA-256 of the model's ``.keras`` and ``.json`` files, as recorded at training."""
        self.require(OPEN_CASE, record.case_id)
        with self._connect() as conn:
            row = conn.execute("SELECT keras_sha256, json_sha256 FROM models WHERE model_id = ? "
                               "AND case_id = ?", (record.model_id, record.case_id)).fetchone()
        if row is None:
            raise StoreError(f"there is no model #{record.model_id}")
        return str(row["keras_sha256"]), str(row["json_sha256"])

    def model_files(self, record: ModelRecord) -> tuple[Path, Path]:
        """The model's ``.keras`` and ``.json`` files, after checking their hashes.

        Raises
        ------
        StoreError
            If a file is missing or was altered.
        """
        base = self.model_dir / str(record.model_id) / "model"
        files = (base.with_suffix(".keras"), base.with_suffix(".json"))
        for path, sha in zip(files, self.model_hashes(record), strict=True):
            if not self._intact(path, sha):
                self._integrity_failure(sha, f"model #{record.model_id} file {path.name}")
                raise StoreError(f"model #{record.model_id}: {path.name} is missing or was "
                                 "altered after training; train the model again")
        return files

    def model_metadata(self, record: ModelRecord) -> dict[str, Any]:
        """The model's ``.json`` metadata (hash-checked): settings, software versions,
        training data, calibration."""
        _, json_path = self.model_files(record)
        return dict(json.loads(json_path.read_text(encoding="utf-8")))

    def load_model(self, record: ModelRecord) -> GaitModel:
        """Load a stored model (hash-checked) as a :class:`gait.identification.model.GaitModel`."""
        from gait.identification.model import GaitModel, ModelError

        keras_path, _ = self.model_files(record)
        try:
            return GaitModel.load(keras_path)
        except ModelError as exc:
            raise StoreError(f"model #{record.model_id} cannot be loaded: {exc}") from exc
