"""The case database's tables, indexes and triggers (SQLite), and its schema version.

The version is kept in ``PRAGMA user_version``. The triggers make the audit log and the
identifications append-only and a stored clip's or model's files unchangeable. A new database
gets :data:`SCHEMA` at :data:`SCHEMA_VERSION`; an older one is brought up to it by the steps of
:data:`MIGRATIONS` (each recorded in the audit log by :class:`gait.case.store.database.Database`).

Versions: 1, the first; 2, the walk analysed in a clip's recording (``track_id``, ``start_s``,
``end_s``): a recording of several people or walks gives one clip per walk, so a video is no
longer unique in a case, the walk is; 3, accounts (``users``, Argon2id password hashes only),
case membership and ownership (``case_members``, ``cases.owner_id``) and the failed log-in
counters (``login_failures``).
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 3

# The accounts of version 3 (also the first step of its migration).
ACCOUNTS = """
CREATE TABLE users (
    user_id        INTEGER PRIMARY KEY,
    user_name      TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(user_name)) > 0),
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('administrator', 'investigator', 'reviewer')),
    password_hash  TEXT CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%'),
    disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE case_members (
    case_id   INTEGER NOT NULL REFERENCES cases(case_id) ON DELETE RESTRICT,
    user_id   INTEGER NOT NULL REFERENCES users(user_id) ON DELETE RESTRICT,
    added_at  TEXT NOT NULL,
    added_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, user_id)
);
CREATE TABLE login_failures (
    key              TEXT PRIMARY KEY,
    failures         INTEGER NOT NULL,
    last_failure_at  REAL NOT NULL,
    locked_until     REAL NOT NULL DEFAULT 0
);
"""

SCHEMA = ACCOUNTS + """
CREATE TABLE cases (
    case_id     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    notes       TEXT NOT NULL DEFAULT '',
    synthetic   INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    owner_id    INTEGER REFERENCES users(user_id) ON DELETE RESTRICT
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
    track_id            INTEGER,
    start_s             REAL,
    end_s               REAL,
    CHECK (role = 'evidence' OR suspect_id IS NOT NULL)
);
CREATE UNIQUE INDEX clips_one_per_walk ON clips(case_id, video_sha256, track_id, start_s, end_s)
    WHERE video_sha256 IS NOT NULL AND track_id IS NOT NULL;
CREATE UNIQUE INDEX clips_one_per_video ON clips(case_id, video_sha256)
    WHERE video_sha256 IS NOT NULL AND track_id IS NULL;
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

# Steps from version N - 1 to N: (what changes, in words for the audit log; the statements).
MIGRATIONS: dict[int, tuple[str, str]] = {
    2: ("clips record the walk analysed (track, start, end); a video may give one clip per "
        "walk", """
ALTER TABLE clips ADD COLUMN track_id INTEGER;
ALTER TABLE clips ADD COLUMN start_s REAL;
ALTER TABLE clips ADD COLUMN end_s REAL;
DROP INDEX clips_one_per_video;
CREATE UNIQUE INDEX clips_one_per_walk ON clips(case_id, video_sha256, track_id, start_s, end_s)
    WHERE video_sha256 IS NOT NULL AND track_id IS NOT NULL;
CREATE UNIQUE INDEX clips_one_per_video ON clips(case_id, video_sha256)
    WHERE video_sha256 IS NOT NULL AND track_id IS NULL;
"""),
    3: ("accounts with roles, case members and owners, failed log-in counters; the cases are "
        "given to the first administrator when that account is created", ACCOUNTS + """
ALTER TABLE cases ADD COLUMN owner_id INTEGER REFERENCES users(user_id) ON DELETE RESTRICT;
"""),
}


def statements(script: str) -> list[str]:
    """Split the schema script into statements (triggers contain inner semicolons)."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    return statements
