"""The case store: an embedded SQLite registry plus content-addressed files in a data folder.

Layout of the data folder (default ``./data``, or ``$GAIT_DATA_DIR``)::

    gait.sqlite3            registry (WAL mode, foreign keys on, schema version in user_version)
    blobs/ab/<sha256>       every stored file (videos, keypoints .npz, photos, overlays),
                            named by the SHA-256 of its bytes, written once, never changed
    models/<model_id>/      model.keras + model.json of each trained model
    keypoints-cache/        the engine's keypoint cache (:class:`gait.cache.KeypointCache`)
    features/<view>/        per-clip gait parameters derived from stored keypoints (a cache)

Integrity: a blob's hash is re-computed when it is used (:meth:`CaseStore.blob_path`); a file
that no longer matches its name raises :class:`StoreError` and writes an ``integrity failure``
event. The ``audit`` table is append-only (SQLite triggers refuse UPDATE and DELETE), and
every ingest, extraction, training and identification appends an event with the software
version and the actor (a session id).

Concurrency: every operation opens its own connection (Streamlit runs each browser session in
its own thread), writes run in ``BEGIN IMMEDIATE`` transactions, and a busy timeout makes a
second writer wait instead of failing, so two sessions writing to the same case lose nothing.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from gait import __version__
from gait.keypoints import VIEWS, KeypointFormatError, KeypointSequence, atomic_write, load_npz

if TYPE_CHECKING:
    from gait.model import GaitModel

DATA_DIR_ENV = "GAIT_DATA_DIR"
DEFAULT_DATA_DIR = Path("data")
DB_NAME = "gait.sqlite3"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000

ROLES = ("enrolment", "evidence")
SOURCES = ("video", "keypoints", "synthetic")
CLIP_DIRECTIONS = ("left", "right", "front", "back", "unknown")
MAX_NAME_CHARS = 200

NEXT_ADD_SUSPECTS = "Add suspects on the Enrolment page"
NEXT_ENROL = "Enrol clips of at least two suspects in one view"
NEXT_TRAIN = "Train a model on the Training page"
NEXT_IDENTIFY = "Identify an evidence clip on the Prediction page"

_SCHEMA = """
CREATE TABLE cases (
    case_id     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    notes       TEXT NOT NULL DEFAULT '',
    synthetic   INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE suspects (
    suspect_id    INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(case_id) ON DELETE RESTRICT,
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    notes         TEXT NOT NULL DEFAULT '',
    photo_sha256  TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL DEFAULT '',
    UNIQUE (case_id, name)
);
CREATE TABLE clips (
    clip_id             INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES cases(case_id) ON DELETE RESTRICT,
    suspect_id          INTEGER REFERENCES suspects(suspect_id) ON DELETE RESTRICT,
    role                TEXT NOT NULL CHECK (role IN ('enrolment', 'evidence')),
    original_name       TEXT NOT NULL,
    view                TEXT NOT NULL CHECK (view IN ('side', 'front')),
    direction           TEXT NOT NULL,
    condition           TEXT NOT NULL,
    source              TEXT NOT NULL CHECK (source IN ('video', 'keypoints', 'synthetic')),
    video_sha256        TEXT,
    keypoints_sha256    TEXT NOT NULL,
    overlay_sha256      TEXT,
    fps                 REAL NOT NULL,
    frame_width_px      INTEGER,
    frame_height_px     INTEGER,
    duration_s          REAL NOT NULL,
    n_frames            INTEGER NOT NULL,
    frames_with_person  INTEGER NOT NULL,
    mean_visibility     REAL NOT NULL,
    n_cycles            INTEGER NOT NULL,
    warnings_json       TEXT NOT NULL DEFAULT '[]',
    added_at            TEXT NOT NULL,
    added_by            TEXT NOT NULL DEFAULT '',
    CHECK (role = 'evidence' OR suspect_id IS NOT NULL)
);
CREATE UNIQUE INDEX clips_one_per_video ON clips(case_id, video_sha256)
    WHERE video_sha256 IS NOT NULL;
CREATE UNIQUE INDEX clips_one_per_keypoints ON clips(case_id, keypoints_sha256)
    WHERE video_sha256 IS NULL;
CREATE INDEX clips_by_case ON clips(case_id, view, role);
CREATE TABLE models (
    model_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id          INTEGER NOT NULL REFERENCES cases(case_id) ON DELETE RESTRICT,
    view             TEXT NOT NULL CHECK (view IN ('side', 'front')),
    with_visibility  INTEGER NOT NULL CHECK (with_visibility IN (0, 1)),
    suspects_json    TEXT NOT NULL,
    metrics_json     TEXT NOT NULL,
    keras_sha256     TEXT NOT NULL,
    json_sha256      TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    added_by         TEXT NOT NULL DEFAULT ''
);
CREATE TABLE identifications (
    identification_id       INTEGER PRIMARY KEY,
    case_id                 INTEGER NOT NULL REFERENCES cases(case_id) ON DELETE RESTRICT,
    clip_id                 INTEGER NOT NULL REFERENCES clips(clip_id) ON DELETE RESTRICT,
    model_id                INTEGER NOT NULL REFERENCES models(model_id) ON DELETE RESTRICT,
    verdict                 TEXT NOT NULL,
    suspect                 TEXT,
    calibrated_probability  REAL,
    result_json             TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    added_by                TEXT NOT NULL DEFAULT ''
);
CREATE TABLE audit (
    event_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at                TEXT NOT NULL,
    case_id           INTEGER,
    action            TEXT NOT NULL,
    details_json      TEXT NOT NULL,
    software_version  TEXT NOT NULL,
    actor             TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER identifications_no_update BEFORE UPDATE ON identifications
BEGIN SELECT RAISE(ABORT, 'identifications are never changed'); END;
CREATE TRIGGER identifications_no_delete BEFORE DELETE ON identifications
BEGIN SELECT RAISE(ABORT, 'identifications are never deleted'); END;
CREATE TRIGGER clips_evidence_fixed BEFORE UPDATE OF video_sha256, keypoints_sha256 ON clips
BEGIN SELECT RAISE(ABORT, 'a stored clip''s files are never replaced'); END;
CREATE TRIGGER models_files_fixed BEFORE UPDATE OF keras_sha256, json_sha256 ON models
BEGIN SELECT RAISE(ABORT, 'a stored model''s files are never replaced'); END;
"""


class StoreError(ValueError):
    """A case-store operation was refused; the message is one readable line for the user."""


def default_data_dir() -> Path:
    """``$GAIT_DATA_DIR`` if set, else ``./data`` (relative to the working directory)."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else DEFAULT_DATA_DIR


def utc_now() -> str:
    """The current UTC time, ISO 8601 with milliseconds (``2024-05-01T12:00:00.123+00:00``)."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


def sha256_bytes(data: bytes) -> str:
    """SHA-256 (hex) of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_path(path: str | os.PathLike[str], chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 (hex) of a file's bytes, read in chunks of ``chunk_bytes``."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def one_line(text: object) -> str:
    """``text`` as one line: every run of whitespace (newlines included) becomes one space."""
    return " ".join(str(text).split())


def _clean_name(name: str, what: str) -> str:
    name = one_line(name or "")
    if not name:
        raise StoreError(f"the {what} needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise StoreError(f"the {what} name is longer than {MAX_NAME_CHARS} characters")
    return name


def _json(value: Any) -> str:
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


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One investigation: its suspects, clips, models and identifications.

    Attributes
    ----------
    case_id : int
    name : str
        Unique, non-empty.
    notes : str
    synthetic : bool
        True for a demo case built from the procedural walker (not real people).
    created_at : str
        UTC, ISO 8601.
    """

    case_id: int
    name: str
    notes: str
    synthetic: bool
    created_at: str


@dataclass(frozen=True)
class Suspect:
    """A person of a case who may be the one in the evidence.

    Attributes
    ----------
    suspect_id, case_id : int
    name : str
        Unique within the case.
    notes : str
    photo_sha256 : str or None
        Blob of the photo (see :meth:`CaseStore.photo`).
    created_at : str
        UTC, ISO 8601.
    """

    suspect_id: int
    case_id: int
    name: str
    notes: str
    photo_sha256: str | None
    created_at: str


@dataclass(frozen=True)
class Clip:
    """One walking clip of a case (an enrolment clip of a suspect, or an evidence clip).

    Attributes
    ----------
    clip_id, case_id : int
    suspect_id : int or None
        The suspect who walks (``None`` for evidence).
    role : {"enrolment", "evidence"}
    original_name : str
        File name as uploaded or imported.
    view : {"side", "front"}
    direction : {"left", "right", "front", "back", "unknown"}
    condition : str
        Free text, e.g. ``normal``, ``bag``, ``coat``.
    source : {"video", "keypoints", "synthetic"}
    video_sha256 : str or None
        Blob of the original video (``None`` for imported keypoints).
    keypoints_sha256 : str
        Blob of the keypoints ``.npz``.
    fps : float
        Frame rate in frames per second.
    frame_width_px, frame_height_px : int or None
    duration_s : float
    n_frames, frames_with_person, n_cycles : int
    mean_visibility : float
        Mean MediaPipe visibility of the body landmarks (11-32) over frames with the person.
    warnings : tuple of str
        Quality warnings found at ingest.
    added_at : str
        UTC, ISO 8601.
    added_by : str
        Actor (session id) that added the clip.
    overlay_sha256 : str or None
        Blob of the H.264 overlay video, when one was made.
    """

    clip_id: int
    case_id: int
    suspect_id: int | None
    role: str
    original_name: str
    view: str
    direction: str
    condition: str
    source: str
    video_sha256: str | None
    keypoints_sha256: str
    fps: float
    frame_width_px: int | None
    frame_height_px: int | None
    duration_s: float
    n_frames: int
    frames_with_person: int
    mean_visibility: float
    n_cycles: int
    warnings: tuple[str, ...]
    added_at: str
    added_by: str
    overlay_sha256: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise StoreError(f"clip role must be one of {ROLES}, got {self.role!r}")
        if self.source not in SOURCES:
            raise StoreError(f"clip source must be one of {SOURCES}, got {self.source!r}")
        if self.view not in VIEWS:
            raise StoreError(f"clip view must be one of {VIEWS}, got {self.view!r}")
        object.__setattr__(self, "warnings", tuple(self.warnings))


@dataclass(frozen=True)
class ModelRecord:
    """A trained per-view model of a case.

    Attributes
    ----------
    model_id, case_id : int
    view : {"side", "front"}
    with_visibility : bool
        Whether the visibility scores were inputs.
    suspects : tuple of str
        The suspects the model can name, in class order.
    metrics : dict
        Training and evaluation figures (see :func:`gait.casework.train_case_model`).
    created_at : str
        UTC, ISO 8601.
    added_by : str
    """

    model_id: int
    case_id: int
    view: str
    with_visibility: bool
    suspects: tuple[str, ...]
    metrics: dict[str, Any]
    created_at: str
    added_by: str


@dataclass(frozen=True)
class IdentificationRecord:
    """One identification made (never changed afterwards).

    Attributes
    ----------
    identification_id, case_id, clip_id, model_id : int
    verdict : str
        ``match``, ``none of these suspects`` or ``insufficient gait``.
    suspect : str or None
        The named suspect (only for a match).
    calibrated_probability : float or None
    result : dict
        :meth:`gait.identify.Identification.to_dict` plus the hashes, model and clip used.
    created_at : str
    added_by : str
    """

    identification_id: int
    case_id: int
    clip_id: int
    model_id: int
    verdict: str
    suspect: str | None
    calibrated_probability: float | None
    result: dict[str, Any]
    created_at: str
    added_by: str


@dataclass(frozen=True)
class AuditEvent:
    """One row of the append-only audit log.

    Attributes
    ----------
    event_id : int
    at : str
        UTC, ISO 8601 with milliseconds.
    case_id : int or None
    action : str
        E.g. ``case created``, ``video stored``, ``keypoints extracted``, ``clip added``,
        ``model trained``, ``identification``, ``integrity failure``.
    details : dict
    software_version : str
    actor : str
    """

    event_id: int
    at: str
    case_id: int | None
    action: str
    details: dict[str, Any]
    software_version: str
    actor: str


@dataclass(frozen=True)
class CaseSummary:
    """What a case holds, at a glance, and the next step to take.

    Attributes
    ----------
    case : Case
    n_suspects : int
    clips_by_view : dict of str to int
        Enrolment clips per view (every view listed, zeros included).
    n_evidence_clips, n_models, n_identifications : int
    next_step : str
        A sentence telling the user what to do next.
    suspects_by_view : dict of str to int
        Suspects with at least one enrolment clip, per view.
    """

    case: Case
    n_suspects: int
    clips_by_view: dict[str, int]
    n_evidence_clips: int
    n_models: int
    n_identifications: int
    next_step: str
    suspects_by_view: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------
class CaseStore:
    """The case store on a data folder (created with its schema when new).

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder; default :func:`default_data_dir`.

    Raises
    ------
    StoreError
        If the folder cannot be created or holds a database of a newer schema.

    Examples
    --------
    >>> store = CaseStore(tmp_path)                       # doctest: +SKIP
    >>> case = store.create_case("Burglary 12 High St")    # doctest: +SKIP
    >>> store.add_suspect(case.case_id, "J. Doe")          # doctest: +SKIP
    """

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
        # Hash checks of unchanged files are remembered (keyed by size, mtime, ctime, inode).
        self._verified: dict[str, tuple[int, int, int, int]] = {}
        self._lock = threading.Lock()
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
                    for statement in _statements(_SCHEMA):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                elif version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{self.db_path} was written by a newer gait-ID (schema {version}, "
                        f"this version reads {SCHEMA_VERSION}); update the software"
                    )
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
    @staticmethod
    def _log(conn: sqlite3.Connection, action: str, case_id: int | None,
             details: Mapping[str, Any], actor: str) -> None:
        conn.execute(
            "INSERT INTO audit (at, case_id, action, details_json, software_version, actor) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (utc_now(), case_id, action, _json(dict(details)), __version__, actor or ""),
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
            Who did it (a session id).
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

    # -- cases -------------------------------------------------------------------------------
    @staticmethod
    def _case(row: sqlite3.Row) -> Case:
        return Case(row["case_id"], row["name"], row["notes"], bool(row["synthetic"]),
                    row["created_at"])

    def cases(self) -> list[Case]:
        """Every case, newest first."""
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM cases ORDER BY case_id DESC").fetchall()
        return [self._case(r) for r in rows]

    def create_case(self, name: str, notes: str = "", synthetic: bool = False,
                    actor: str = "") -> Case:
        """Open a new case.

        Raises
        ------
        StoreError
            If the name is empty or already used by another case.
        """
        name = _clean_name(name, "case")
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "INSERT INTO cases (name, notes, synthetic, created_at, created_by) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (name, notes or "", int(bool(synthetic)), utc_now(), actor or ""),
                )
                case_id = int(cursor.lastrowid or 0)
                self._log(conn, "case created", case_id,
                          {"name": name, "synthetic": bool(synthetic)}, actor)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"a case named {name!r} already exists; pick another name") from exc
        return self.case(case_id)

    def case(self, case_id: int) -> Case:
        """The case with this id (StoreError if there is none)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM cases WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise StoreError(f"there is no case #{case_id}")
        return self._case(row)

    def case_by_name(self, name: str) -> Case | None:
        """The case with this name, or ``None``."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM cases WHERE name = ?",
                               (one_line(name),)).fetchone()
        return None if row is None else self._case(row)

    def summary(self, case_id: int) -> CaseSummary:
        """Counts of what the case holds and the next step to take."""
        case = self.case(case_id)
        with self._connect() as conn:
            n_suspects = conn.execute("SELECT count(*) FROM suspects WHERE case_id = ?",
                                      (case_id,)).fetchone()[0]
            per_view = conn.execute(
                "SELECT view, count(*) AS n, count(DISTINCT suspect_id) AS s FROM clips "
                "WHERE case_id = ? AND role = 'enrolment' GROUP BY view", (case_id,)
            ).fetchall()
            n_evidence = conn.execute(
                "SELECT count(*) FROM clips WHERE case_id = ? AND role = 'evidence'", (case_id,)
            ).fetchone()[0]
            n_models = conn.execute("SELECT count(*) FROM models WHERE case_id = ?",
                                    (case_id,)).fetchone()[0]
            n_ident = conn.execute("SELECT count(*) FROM identifications WHERE case_id = ?",
                                   (case_id,)).fetchone()[0]
        clips_by_view = dict.fromkeys(VIEWS, 0)
        suspects_by_view = dict.fromkeys(VIEWS, 0)
        for row in per_view:
            clips_by_view[row["view"]] = int(row["n"])
            suspects_by_view[row["view"]] = int(row["s"])
        if n_suspects == 0:
            next_step = NEXT_ADD_SUSPECTS
        elif max(suspects_by_view.values()) < 2:
            next_step = NEXT_ENROL
        elif n_models == 0:
            next_step = NEXT_TRAIN
        else:
            next_step = NEXT_IDENTIFY
        return CaseSummary(case, int(n_suspects), clips_by_view, int(n_evidence), int(n_models),
                           int(n_ident), next_step, suspects_by_view)

    # -- suspects ----------------------------------------------------------------------------
    @staticmethod
    def _suspect(row: sqlite3.Row) -> Suspect:
        return Suspect(row["suspect_id"], row["case_id"], row["name"], row["notes"],
                       row["photo_sha256"], row["created_at"])

    def add_suspect(self, case_id: int, name: str, notes: str = "",
                    photo: bytes | None = None, actor: str = "") -> Suspect:
        """Add a suspect to a case.

        Parameters
        ----------
        case_id : int
        name : str
            Unique within the case.
        notes : str
        photo : bytes, optional
            An image file's bytes (JPEG, PNG, ...); checked by decoding it.
        actor : str

        Raises
        ------
        StoreError
            If the name is empty or taken, the case does not exist or the photo is not an
            image. Nothing is stored then.
        """
        self.case(case_id)
        name = _clean_name(name, "suspect")
        photo_sha = None
        if photo:
            _check_image(photo)
            photo_sha = self.put_blob(bytes(photo))
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "INSERT INTO suspects (case_id, name, notes, photo_sha256, created_at, "
                    "created_by) VALUES (?, ?, ?, ?, ?, ?)",
                    (case_id, name, notes or "", photo_sha, utc_now(), actor or ""),
                )
                suspect_id = int(cursor.lastrowid or 0)
                self._log(conn, "suspect added", case_id,
                          {"suspect_id": suspect_id, "name": name, "photo_sha256": photo_sha},
                          actor)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"this case already has a suspect named {name!r}") from exc
        return self.suspect(suspect_id)

    def suspect(self, suspect_id: int) -> Suspect:
        """The suspect with this id (StoreError if there is none)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM suspects WHERE suspect_id = ?",
                               (suspect_id,)).fetchone()
        if row is None:
            raise StoreError(f"there is no suspect #{suspect_id}")
        return self._suspect(row)

    def suspects(self, case_id: int) -> list[Suspect]:
        """The suspects of a case, in the order they were added."""
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM suspects WHERE case_id = ? ORDER BY suspect_id",
                                (case_id,)).fetchall()
        return [self._suspect(r) for r in rows]

    def suspect_by_name(self, case_id: int, name: str) -> Suspect | None:
        """The suspect of the case with this name, or ``None``."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM suspects WHERE case_id = ? AND name = ?",
                               (case_id, one_line(name))).fetchone()
        return None if row is None else self._suspect(row)

    def photo(self, suspect: Suspect) -> bytes | None:
        """The suspect's photo (hash-checked), or ``None``."""
        if not suspect.photo_sha256:
            return None
        return self.blob_path(suspect.photo_sha256).read_bytes()

    # -- blobs -------------------------------------------------------------------------------
    def _blob_file(self, sha256: str) -> Path:
        sha256 = str(sha256).lower()
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise StoreError(f"not a SHA-256: {sha256!r}")
        return self.blob_dir / sha256[:2] / sha256

    def put_blob(self, data: bytes | str | os.PathLike[str]) -> str:
        """Store bytes or a file's content by its SHA-256 (once; atomic); return the hash.

        Raises
        ------
        StoreError
            If the file cannot be read.
        """
        if isinstance(data, bytes | bytearray | memoryview):
            payload = bytes(data)
            sha = sha256_bytes(payload)
            target = self._blob_file(sha)
            if not self._intact(target, sha):
                atomic_write(target, lambda handle: handle.write(payload))
                with self._lock:
                    self._verified[sha] = self._stat_key(target)
            return sha
        source = Path(data)
        try:
            sha = sha256_path(source)
        except OSError as exc:
            raise StoreError(f"cannot read {source.name}: {exc.strerror or exc}") from exc
        target = self._blob_file(sha)
        if not self._intact(target, sha):

            def copy(handle: IO[bytes]) -> None:
                with source.open("rb") as src:
                    shutil.copyfileobj(src, handle, 1 << 20)

            atomic_write(target, copy)
            if sha256_path(target) != sha:  # the source changed while it was copied
                target.unlink(missing_ok=True)
                raise StoreError(f"{source.name} changed while it was being stored; try again")
            with self._lock:
                self._verified[sha] = self._stat_key(target)
        return sha

    @staticmethod
    def _stat_key(path: Path) -> tuple[int, int, int, int]:
        st = path.stat()
        return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)

    def _intact(self, path: Path, sha: str) -> bool:
        """Whether ``path`` exists and its bytes hash to ``sha`` (remembered while unchanged)."""
        try:
            key = self._stat_key(path)
        except OSError:
            return False
        with self._lock:
            if self._verified.get(sha) == key:
                return True
        if sha256_path(path) != sha:
            return False
        with self._lock:
            self._verified[sha] = key
        return True

    def has_blob(self, sha256: str) -> bool:
        """Whether a blob with this hash is stored (not re-hashed)."""
        return self._blob_file(sha256).is_file()

    def blob_path(self, sha256: str, verify: bool = True) -> Path:
        """Path of a stored blob, after checking its bytes still hash to its name.

        Parameters
        ----------
        sha256 : str
        verify : bool
            Re-hash the file (skipped while its size, times and inode are those of the last
            successful check in this process).

        Raises
        ------
        StoreError
            If the blob is missing or was altered (an ``integrity failure`` event is logged).
        """
        path = self._blob_file(sha256)
        if not path.is_file():
            self._integrity_failure(sha256, "missing")
            raise StoreError(f"stored file {sha256[:12]}… is missing from {self.blob_dir}")
        if verify and not self._intact(path, sha256):
            self._integrity_failure(sha256, "altered")
            raise StoreError(
                f"stored file {sha256[:12]}… was altered after it was stored "
                "(its SHA-256 no longer matches): it cannot be used as evidence"
            )
        return path

    def _integrity_failure(self, sha256: str, what: str) -> None:
        with contextlib.suppress(Exception):  # reporting must not hide the failure itself
            self.log("integrity failure", None, {"sha256": sha256, "problem": what})

    # -- clips -------------------------------------------------------------------------------
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

        Returns
        -------
        (Clip, bool)
            The clip, and whether it was added (False: the same video, or the same keypoints
            without a video, was already in the case, and that clip is returned).

        Raises
        ------
        StoreError
            On invalid values, an unknown case or suspect, or a suspect of another case.
        """
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
        existing = self._existing_clip(case_id, video_sha256, keypoints_sha256)
        if existing is not None:
            return existing, False
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "INSERT INTO clips (case_id, suspect_id, role, original_name, view, "
                    "direction, condition, source, video_sha256, keypoints_sha256, "
                    "overlay_sha256, fps, frame_width_px, frame_height_px, duration_s, "
                    "n_frames, frames_with_person, mean_visibility, n_cycles, warnings_json, "
                    "added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?)",
                    (case_id, suspect_id, role, one_line(original_name) or "clip", view,
                     direction, one_line(condition) or "normal", source, video_sha256,
                     keypoints_sha256, overlay_sha256, float(sequence.fps), width, height,
                     float(sequence.duration_s), int(sequence.n_frames),
                     int(sequence.detected.sum()), float(mean_visibility), int(n_cycles),
                     _json(list(warnings)), utc_now(), actor or ""),
                )
                clip_id = int(cursor.lastrowid or 0)
                self._log(conn, "clip added", case_id, {
                    "clip_id": clip_id, "suspect_id": suspect_id, "role": role,
                    "original_name": original_name, "view": view, "direction": direction,
                    "source": source, "video_sha256": video_sha256,
                    "keypoints_sha256": keypoints_sha256, "n_cycles": int(n_cycles),
                    **dict(details or {}),
                }, actor)
        except sqlite3.IntegrityError as exc:
            # Another session added the same clip at the same moment: use theirs.
            existing = self._existing_clip(case_id, video_sha256, keypoints_sha256)
            if existing is None:
                raise StoreError(f"the clip could not be recorded: {exc}") from exc
            return existing, False
        return self.clip(clip_id), True

    def _existing_clip(self, case_id: int, video_sha256: str | None,
                       keypoints_sha256: str) -> Clip | None:
        with self._connect() as conn:
            if video_sha256 is not None:
                row = conn.execute("SELECT * FROM clips WHERE case_id = ? AND video_sha256 = ?",
                                   (case_id, video_sha256)).fetchone()
            else:
                row = conn.execute(
                    "SELECT * FROM clips WHERE case_id = ? AND keypoints_sha256 = ? "
                    "AND video_sha256 IS NULL", (case_id, keypoints_sha256)).fetchone()
        return None if row is None else self._clip(row)

    def clip_for_video(self, case_id: int, video_sha256: str) -> Clip | None:
        """The case's clip of this video (by content), or ``None``."""
        return self._existing_clip(case_id, video_sha256, "")

    def clip_for_keypoints(self, case_id: int, keypoints_sha256: str) -> Clip | None:
        """The case's clip of these keypoints without a video (by content), or ``None``."""
        return self._existing_clip(case_id, None, keypoints_sha256)

    def clips(self, case_id: int, view: str | None = None, role: str | None = None,
              suspect_id: int | None = None) -> list[Clip]:
        """The clips of a case, optionally of one view, role or suspect, oldest first."""
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
        return self._clip(row)

    def keypoints(self, clip: Clip) -> KeypointSequence:
        """The clip's keypoints, read from its hash-checked blob.

        Raises
        ------
        StoreError
            If the file is missing, altered or unreadable.
        """
        path = self.blob_path(clip.keypoints_sha256)
        try:
            return load_npz(path, clip_id=str(clip.clip_id))
        except KeypointFormatError as exc:
            raise StoreError(f"the keypoints of clip #{clip.clip_id} cannot be read") from exc

    def video_path(self, clip: Clip) -> Path | None:
        """The clip's original video (hash-checked), or ``None`` for imported keypoints."""
        return self.blob_path(clip.video_sha256) if clip.video_sha256 else None

    def overlay_path(self, clip: Clip) -> Path | None:
        """The clip's H.264 overlay MP4 (hash-checked), or ``None`` if none was made."""
        return self.blob_path(clip.overlay_sha256) if clip.overlay_sha256 else None

    def suspect_names(self, case_id: int) -> dict[int, str]:
        """suspect_id -> name for a case."""
        return {s.suspect_id: s.name for s in self.suspects(case_id)}

    # -- models ------------------------------------------------------------------------------
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
        staging = self.model_dir / f".staging-{uuid.uuid4().hex}"
        try:
            keras_path, json_path = model.save(staging / "model")
            keras_sha, json_sha = sha256_path(keras_path), sha256_path(json_path)
            with self._write() as conn:
                cursor = conn.execute(
                    "INSERT INTO models (case_id, view, with_visibility, suspects_json, "
                    "metrics_json, keras_sha256, json_sha256, created_at, added_by) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (case_id, model.view, int(model.settings.with_visibility),
                     _json(list(model.suspects)), _json(dict(metrics)), keras_sha, json_sha,
                     utc_now(), actor or ""),
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
        return self._model(row)

    def models(self, case_id: int, view: str | None = None) -> list[ModelRecord]:
        """The models of a case (optionally of one view), newest first."""
        query = "SELECT * FROM models WHERE case_id = ?"
        args: list[Any] = [case_id]
        if view is not None:
            query += " AND view = ?"
            args.append(view)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY model_id DESC", args).fetchall()
        return [self._model(r) for r in rows]

    def model_files(self, record: ModelRecord) -> tuple[Path, Path]:
        """The model's ``.keras`` and ``.json`` files, after checking their hashes.

        Raises
        ------
        StoreError
            If a file is missing or was altered.
        """
        with self._connect() as conn:
            row = conn.execute("SELECT keras_sha256, json_sha256 FROM models WHERE model_id = ?",
                               (record.model_id,)).fetchone()
        if row is None:
            raise StoreError(f"there is no model #{record.model_id}")
        base = self.model_dir / str(record.model_id) / "model"
        files = (base.with_suffix(".keras"), base.with_suffix(".json"))
        for path, sha in zip(files, (row["keras_sha256"], row["json_sha256"]), strict=True):
            if not self._intact(path, sha):
                self._integrity_failure(sha, f"model #{record.model_id} file {path.name}")
                raise StoreError(f"model #{record.model_id}: {path.name} is missing or was "
                                 "altered after training; train the model again")
        return files

    def load_model(self, record: ModelRecord) -> GaitModel:
        """Load a stored model (hash-checked) as a :class:`gait.model.GaitModel`."""
        from gait.model import GaitModel, ModelError

        keras_path, _ = self.model_files(record)
        try:
            return GaitModel.load(keras_path)
        except ModelError as exc:
            raise StoreError(f"model #{record.model_id} cannot be loaded: {exc}") from exc

    # -- identifications ---------------------------------------------------------------------
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
                 _json(dict(result)), utc_now(), actor or ""),
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
        return self._identification(row)

    def identifications(self, case_id: int) -> list[IdentificationRecord]:
        """Every identification of a case, newest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM identifications WHERE case_id = ? "
                "ORDER BY identification_id DESC", (case_id,)).fetchall()
        return [self._identification(r) for r in rows]


def _statements(script: str) -> list[str]:
    """Split the schema script into statements (triggers contain inner semicolons)."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    return statements


def _check_image(data: bytes) -> None:
    """Raise StoreError unless ``data`` decodes as an image."""
    import cv2
    import numpy as np

    image = None
    with contextlib.suppress(cv2.error):
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise StoreError("the photo is not an image file that can be read (use JPEG or PNG)")
