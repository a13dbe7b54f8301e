"""The case database: its folder, connections, transactions, schema and the audit log.

:class:`Database` is the base of the case store (:class:`gait.case.store.CaseStore`): it owns
the data folder and opens one SQLite connection per operation, so that the threads of several
browser sessions never share one; writes run in ``BEGIN IMMEDIATE`` transactions with a busy
timeout. The ``audit`` table is append-only (SQLite triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from gait import __version__
from gait.case.store.records import AuditEvent, StoreError
from gait.case.store.schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION, statements

DATA_DIR_ENV = "GAIT_DATA_DIR"
DEFAULT_DATA_DIR = Path("data")
DB_NAME = "gait.sqlite3"
BUSY_TIMEOUT_MS = 30_000


def default_data_dir() -> Path:
    """``$GAIT_DATA_DIR`` if set, else ``./data`` (relative to the working directory)."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else DEFAULT_DATA_DIR


def utc_now() -> str:
    """The current UTC time, ISO 8601 with milliseconds (``2024-05-01T12:00:00.123+00:00``)."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


def to_json(value: Any) -> str:
    """``value`` as JSON text with sorted keys (NumPy values and paths as plain values)."""
    return json.dumps(value, sort_keys=True, default=_json_default)


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


class Database:
    """The data folder and its SQLite database, created with its schema when new (parameters
    as :class:`gait.case.store.CaseStore`)."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self.data_dir = Path(data_dir).expanduser() if data_dir else default_data_dir()
        self.db_path = self.data_dir / DB_NAME
        self.blob_dir = self.data_dir / "blobs"
        self.model_dir = self.data_dir / "models"
        self.cache_dir = self.data_dir / "keypoints-cache"
        self.feature_dir = self.data_dir / "features"
        try:
            for folder in (self.blob_dir, self.model_dir, self.cache_dir, self.feature_dir):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {self.data_dir}: {exc}") from exc
        self._init_schema()

    def __repr__(self) -> str:
        return f"CaseStore({str(self.data_dir)!r})"

    # -- connections -------------------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the case database {self.db_path}: {exc}") from exc
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside a ``BEGIN IMMEDIATE`` transaction (commit or roll back)."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _init_schema(self) -> None:
        with self._connect() as conn:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"{self.db_path}: the database cannot use WAL mode ({mode})")
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    for statement in statements(SCHEMA):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                elif version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{self.db_path} was written by a newer gait-ID (schema {version}, "
                        f"this version reads {SCHEMA_VERSION}); update the software"
                    )
                for target in range(version + 1, SCHEMA_VERSION + 1) if version else ():
                    change, script = MIGRATIONS[target]
                    for statement in statements(script):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {target}")
                    self._log(conn, "schema upgraded", None, {
                        "from_version": target - 1, "to_version": target, "change": change,
                    }, "gait-ID")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        """The schema version of the database (``PRAGMA user_version``)."""
        with self._connect() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    # -- audit -------------------------------------------------------------------------------
    def _log(self, conn: sqlite3.Connection, action: str, case_id: int | None,
             details: Mapping[str, Any], actor: str) -> None:
        conn.execute(
            "INSERT INTO audit (at, case_id, action, details_json, software_version, actor) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (utc_now(), case_id, action, to_json(dict(details)), __version__, actor or ""),
        )

    def log(self, action: str, case_id: int | None = None,
            details: Mapping[str, Any] | None = None, actor: str = "") -> None:
        """Append an event to the audit log.

        Parameters
        ----------
        action : str
            What happened (a short phrase).
        case_id : int, optional
        details : mapping, optional
            JSON-ready facts (hashes, file names, settings, timings ...).
        actor : str
            Who did it (a user name; the acting user's when the store acts for one).
        """
        with self._write() as conn:
            self._log(conn, action, case_id, details or {}, actor)

    def audit(self, case_id: int | None = None) -> list[AuditEvent]:
        """The audit log (of one case, or all of it), oldest first."""
        query = "SELECT * FROM audit"
        args: tuple[Any, ...] = ()
        if case_id is not None:
            query += " WHERE case_id = ?"
            args = (case_id,)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY event_id", args).fetchall()
        return [
            AuditEvent(r["event_id"], r["at"], r["case_id"], r["action"],
                       json.loads(r["details_json"]), r["software_version"], r["actor"])
            for r in rows
        ]
