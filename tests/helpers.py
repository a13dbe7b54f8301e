"""Helpers the tests share (fixtures are in ``conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from gait.identification.settings import ModelSettings
from gait.media import landmarks as lm
from gait.media.datasets import ClipRecord
from gait.media.derived import write_h264
from gait.media.keypoints import KeypointSequence
from gait.walk.sequence import LEG_CHAIN_LEFT, LEG_CHAIN_RIGHT

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def write_test_video(
    path: Path,
    frames: list[np.ndarray],
    fps: int = 25,
    rotation_deg: int = 0,
) -> Path:
    """Encode RGB frames (H.264 MP4), optionally with a display rotation in the header."""
    return write_h264(path, frames, fps, rotation_deg)


def joined_recording(casia_dir: Path, takes: tuple[str, ...], path: Path) -> list[float]:
    """Join shared CASIA-B side-view takes (e.g. ``"001-nm-05"``) into one recording, one
    second of the empty studio after each, as a CCTV export of several walks; returns the
    time (s) at which each take starts."""
    from gait.media.video import iter_frames

    with iter_frames(casia_dir / "001-bkgrd-090.avi") as stream:
        empty = [f.rgb for f in stream][:25]
    frames: list[np.ndarray] = []
    starts_s = []
    for take in takes:
        starts_s.append(len(frames) / 25)
        with iter_frames(casia_dir / f"{take}-090.avi") as stream:
            frames += [f.rgb for f in stream]
        frames += empty
    write_test_video(path, frames, fps=25)
    return starts_s


def small_model_settings() -> ModelSettings:
    """A small, quick network for tests that train (one 32-unit layer, at most 12 epochs)."""
    return ModelSettings(hidden_units=(32,), max_epochs=12, patience_epochs=5, batch_size=64)


def keypoint_subset(source: Path, n_subjects: int, view: str, dest: Path) -> Path:
    """A copy of a keypoint data set folder holding only ``view``'s clips of its first
    ``n_subjects`` subjects (in name order), manifest included; returns ``dest``."""
    import shutil

    import pandas as pd

    manifest = pd.read_csv(source / "manifest.csv")
    keep = sorted(manifest["subject"].unique())[:n_subjects]
    rows = manifest[manifest["subject"].isin(keep) & (manifest["view"] == view)]
    dest.mkdir(parents=True, exist_ok=True)
    for name in rows["file"]:
        shutil.copy2(source / name, dest / name)
    rows.to_csv(dest / "manifest.csv", index=False)
    return dest


def downgrade_to_version_2(db_path: Path) -> None:
    """Rewrite a case database as schema version 2 wrote it (before accounts): no users,
    members or log-in counters, no case owner. SQLite cannot drop a column that references
    another table, so ``cases`` is rebuilt as its documented procedure does."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.executescript("""
        PRAGMA foreign_keys = OFF;
        BEGIN;
        CREATE TABLE cases_v2 (
            case_id     INTEGER PRIMARY KEY,
            name        TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
            notes       TEXT NOT NULL DEFAULT '',
            synthetic   INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)),
            created_at  TEXT NOT NULL,
            created_by  TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO cases_v2 SELECT case_id, name, notes, synthetic, created_at, created_by
            FROM cases;
        DROP TABLE cases;
        ALTER TABLE cases_v2 RENAME TO cases;
        DROP TABLE case_members;
        DROP TABLE users;
        DROP TABLE login_failures;
        PRAGMA user_version = 2;
        COMMIT;
    """)
    conn.close()


PASSWORD = "correct horse battery staple"
ACCOUNTS = (("ada", "Ada Admin", "administrator"), ("ivan", "Ivan Investigator", "investigator"),
            ("iris", "Iris Investigator", "investigator"), ("rita", "Rita Reviewer", "reviewer"))


def add_accounts(data_dir: Path) -> None:
    """The test accounts (an administrator, two investigators, a reviewer; every password
    :data:`PASSWORD`) in the store of ``data_dir``, unless they exist."""
    from gait.case.accounts import hash_password
    from gait.case.store import CaseStore

    store = CaseStore(data_dir)
    password_hash = hash_password(PASSWORD)
    for name, display_name, role in ACCOUNTS:
        if store.user_by_name(name) is None:
            store.add_user(name, display_name, role, password_hash, actor="test set-up")


def synthetic_clips(people: dict, takes: range, noise_fh: float = 0.002, view: str = "side"
                    ) -> Iterator[tuple[ClipRecord, KeypointSequence]]:
    """Synthetic walks (:func:`gait.pose.synthetic.synthetic_walk`), one per person (name ->
    ``WalkerStyle``) and take: side view right-going on odd takes and left-going on even ones,
    front view towards the camera on odd takes and away on even ones; (record, keypoints)
    pairs as :func:`gait.walk.features.build_table` reads them."""
    from gait.pose.synthetic import synthetic_walk

    directions = ("left", "right") if view == "side" else ("back", "front")
    for name, style in people.items():
        for take in takes:
            direction = directions[take % 2]
            clip_id = f"{name}_{take}"
            yield (ClipRecord(clip_id, name, view, direction, "normal", str(take),
                              Path(f"{clip_id}.npz")),
                   synthetic_walk(style, view, duration_s=5.0, direction=direction,
                                  noise_fh=noise_fh, seed=take, clip_id=clip_id))


LEG_CHAINS = {lm.L_HIP: LEG_CHAIN_LEFT, lm.R_HIP: LEG_CHAIN_RIGHT}


def squeezed_legs(sequence: KeypointSequence, frames: slice, factor: float
                  ) -> KeypointSequence:
    """``sequence`` with each leg drawn ``factor`` times as long, towards its hip, in
    ``frames`` (MediaPipe's pose of a body whose lower half it cannot see)."""
    xyzv = sequence.xyzv.copy()
    part = xyzv[frames]
    for hip, leg in LEG_CHAINS.items():
        centre = part[:, [hip], :2]
        part[:, list(leg), :2] = centre + factor * (part[:, list(leg), :2] - centre)
    xyzv[frames] = part
    return KeypointSequence(xyzv, sequence.frame_index, sequence.fps, sequence.frame_size_px)
