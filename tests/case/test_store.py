"""The case store: schema, WAL, atomic content-addressed blobs, concurrency, append-only audit,
tamper detection, restart, and refusals that keep what was stored."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from gait.case.store import (
    DATA_DIR_ENV,
    NEXT_ADD_SUSPECTS,
    NEXT_ENROL,
    SCHEMA_VERSION,
    CaseStore,
    StoreError,
    default_data_dir,
)
from gait.pose.synthetic import synthetic_walk
from tests.helpers import downgrade_to_version_2


def _png() -> bytes:
    ok, data = cv2.imencode(".png", np.full((8, 8, 3), 200, np.uint8))
    assert ok
    return data.tobytes()


def _add_keypoint_clip(store: CaseStore, case_id: int, suspect_id: int, seed: int,
                       view: str = "side") -> int:
    sequence = synthetic_walk(view=view, duration_s=2.0, seed=seed, noise_fh=0.001)
    path = store.data_dir / f"walk-{seed}.npz"
    from gait.media.keypoints import save_npz

    save_npz(sequence, path)
    sha = store.put_blob(path)
    clip, added = store.add_clip(
        case_id, suspect_id=suspect_id, role="enrolment", original_name=path.name, view=view,
        direction="right", condition="normal", source="keypoints", keypoints_sha256=sha,
        sequence=sequence, n_cycles=1, mean_visibility=0.95,
    )
    assert added
    return clip.clip_id


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert default_data_dir() == Path("data")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    assert CaseStore().data_dir == tmp_path / "elsewhere"


def test_schema_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    assert store.schema_version == SCHEMA_VERSION
    conn = sqlite3.connect(store.db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"cases", "suspects", "clips", "models", "identifications", "audit"} <= tables
    conn.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO suspects (case_id, name, created_at) VALUES (99, 'x', 'now')")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    CaseStore(tmp_path)
    conn = sqlite3.connect(tmp_path / "gait.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        CaseStore(tmp_path)


def test_cases_suspects_summary_and_restart(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = store.create_case("Burglary", notes="n", actor="session-1")
    assert store.summary(case.case_id).next_step == NEXT_ADD_SUSPECTS
    alice = store.add_suspect(case.case_id, "Alice", photo=_png(), actor="session-1")
    bob = store.add_suspect(case.case_id, "Bob")
    _add_keypoint_clip(store, case.case_id, alice.suspect_id, seed=1)
    summary = store.summary(case.case_id)
    assert summary.n_suspects == 2
    assert summary.clips_by_view == {"side": 1, "front": 0}
    assert summary.next_step == NEXT_ENROL
    _add_keypoint_clip(store, case.case_id, bob.suspect_id, seed=2)
    assert store.summary(case.case_id).next_step == "Train a model on the Training page"

    again = CaseStore(tmp_path)  # a restart sees everything
    assert again.cases() == [case]
    assert again.suspects(case.case_id) == [alice, bob]
    assert again.photo(alice) == _png()
    assert again.photo(bob) is None
    assert len(again.clips(case.case_id, view="side", role="enrolment")) == 2
    assert again.clips(case.case_id, suspect_id=bob.suspect_id)[0].suspect_id == bob.suspect_id
    actions = [e.action for e in again.audit(case.case_id)]
    assert actions[:2] == ["case created", "suspect added"]
    assert all(e.software_version for e in again.audit())
    assert again.audit(case.case_id)[0].actor == "session-1"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, c: s.create_case("Burglary"), "already exists"),
        (lambda s, c: s.create_case("   "), "needs a name"),
        (lambda s, c: s.add_suspect(c, "Alice"), "already has a suspect"),
        (lambda s, c: s.add_suspect(c, "Carol", photo=b"not an image"), "not an image"),
        (lambda s, c: s.add_suspect(999, "Dave"), "no case"),
        (lambda s, c: s.case(999), "no case"),
        (lambda s, c: s.clip(999), "no clip"),
        (lambda s, c: s.model(999), "no model"),
    ],
)
def test_bad_inputs_give_store_errors_and_keep_data(tmp_path: Path, call, message: str) -> None:
    store = CaseStore(tmp_path)
    case = store.create_case("Burglary")
    alice = store.add_suspect(case.case_id, "Alice")
    with pytest.raises(StoreError, match=message) as info:
        call(store, case.case_id)
    assert "\n" not in str(info.value)
    assert store.cases() == [case]
    assert store.suspects(case.case_id) == [alice]


def test_blobs_are_content_addressed_atomic_and_idempotent(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    sha = store.put_blob(b"evidence bytes")
    path = store.blob_path(sha)
    assert path == tmp_path / "blobs" / sha[:2] / sha
    assert path.read_bytes() == b"evidence bytes"
    source = tmp_path / "video.avi"
    source.write_bytes(b"evidence bytes")
    assert store.put_blob(source) == sha  # same content, same blob
    assert store.put_blob(b"evidence bytes") == sha
    leftovers = [p for p in (tmp_path / "blobs").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    with pytest.raises(StoreError, match="cannot read"):
        store.put_blob(tmp_path / "missing.avi")


def test_tampered_blob_is_detected_and_logged(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    sha = store.put_blob(b"original evidence")
    store.blob_path(sha)  # verified once
    path = store.blob_path(sha, verify=False)
    path.write_bytes(b"altered evidence!")
    with pytest.raises(StoreError, match="altered"):
        store.blob_path(sha)
    with pytest.raises(StoreError, match="altered"):
        CaseStore(tmp_path).blob_path(sha)  # a fresh process too
    assert [e.action for e in store.audit()][-1] == "integrity failure"
    path.unlink()
    with pytest.raises(StoreError, match="missing"):
        store.blob_path(sha)


def test_audit_is_append_only(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    store.create_case("Case")
    conn = sqlite3.connect(store.db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET action = 'nothing happened'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit")
    assert [e.action for e in store.audit()] == ["case created"]


def test_same_keypoints_twice_is_one_clip(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = store.create_case("Case")
    alice = store.add_suspect(case.case_id, "Alice")
    clip_id = _add_keypoint_clip(store, case.case_id, alice.suspect_id, seed=3)
    clip = store.clip(clip_id)
    again, added = store.add_clip(
        case.case_id, suspect_id=alice.suspect_id, role="enrolment", original_name="copy.npz",
        view="side", direction="right", condition="normal", source="keypoints",
        keypoints_sha256=clip.keypoints_sha256, sequence=store.keypoints(clip), n_cycles=1,
        mean_visibility=0.9,
    )
    assert not added and again == clip
    assert len(store.clips(case.case_id)) == 1


def test_each_walk_of_a_video_is_one_clip(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = store.create_case("Case")
    alice = store.add_suspect(case.case_id, "Alice")
    video_sha = store.put_blob(b"the recording")
    clips = []
    for seed, track_id in ((1, 1), (2, 2), (3, 1)):
        sequence = synthetic_walk(view="side", duration_s=2.0, seed=seed, noise_fh=0.001)
        sequence.meta["walk"] = {"track_id": track_id, "start_s": 1.0, "end_s": 3.5,
                                 "chosen_by_user": True}
        keypoints = store.data_dir / f"walk-{seed}.npz"
        from gait.media.keypoints import save_npz

        save_npz(sequence, keypoints)
        clip, added = store.add_clip(
            case.case_id, suspect_id=alice.suspect_id, role="enrolment", original_name="cctv.mp4",
            view="side", direction="right", condition="normal", source="video",
            keypoints_sha256=store.put_blob(keypoints), sequence=sequence, n_cycles=1,
            mean_visibility=0.9, video_sha256=video_sha)
        clips.append((clip, added))
    # Two people of one video are two clips; the first person's walk again is the first clip.
    assert [added for _, added in clips] == [True, True, False]
    assert clips[2][0] == clips[0][0]
    assert [(c.track_id, c.start_s, c.end_s) for c in store.clips_of_video(
        case.case_id, video_sha)] == [(1, 1.0, 3.5), (2, 1.0, 3.5)]
    assert clips[1][0].walk_label == "person 2, 1.0-3.5 s"


def test_a_version_1_store_is_upgraded_and_keeps_its_clips(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = store.create_case("Case")
    alice = store.add_suspect(case.case_id, "Alice")
    clip_id = _add_keypoint_clip(store, case.case_id, alice.suspect_id, seed=3)
    # The store as version 1 wrote it: no accounts, no walk columns, one clip per video.
    downgrade_to_version_2(store.db_path)
    conn = sqlite3.connect(store.db_path)
    conn.executescript("""
        DROP INDEX clips_one_per_walk;
        DROP INDEX clips_one_per_video;
        ALTER TABLE clips DROP COLUMN track_id;
        ALTER TABLE clips DROP COLUMN start_s;
        ALTER TABLE clips DROP COLUMN end_s;
        CREATE UNIQUE INDEX clips_one_per_video ON clips(case_id, video_sha256)
            WHERE video_sha256 IS NOT NULL;
        PRAGMA user_version = 1;
    """)
    conn.close()
    before = store.audit()

    upgraded = CaseStore(tmp_path)
    assert upgraded.schema_version == SCHEMA_VERSION == 3
    clip = upgraded.clip(clip_id)
    assert (clip.track_id, clip.start_s, clip.end_s) == (None, None, None)
    assert clip.walk_label == ""
    events = upgraded.audit()
    assert events[:len(before)] == before
    assert [(e.action, e.details["from_version"], e.details["to_version"])
            for e in events[len(before):]] == [("schema upgraded", 1, 2),
                                               ("schema upgraded", 2, 3)]
    CaseStore(tmp_path)  # opening again upgrades nothing
    assert len(CaseStore(tmp_path).audit()) == len(events)


def test_two_sessions_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    CaseStore(tmp_path).create_case("Shared case")
    case_id = CaseStore(tmp_path).cases()[0].case_id
    errors: list[BaseException] = []
    n_each = 15

    def session(tag: str) -> None:
        store = CaseStore(tmp_path)  # each browser session has its own store object
        try:
            for i in range(n_each):
                suspect = store.add_suspect(case_id, f"{tag}-{i}", actor=tag)
                store.put_blob(f"{tag}-{i}".encode())
                store.log("note", case_id, {"i": i}, actor=tag)
                assert suspect.case_id == case_id
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(tag,)) for tag in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store = CaseStore(tmp_path)
    assert len(store.suspects(case_id)) == 3 * n_each
    assert sum(e.action == "note" for e in store.audit(case_id)) == 3 * n_each


def test_a_version_2_store_keeps_every_clip_model_and_identification(
        identified_case: tuple[Path, int, int], tmp_path: Path) -> None:
    """A data folder of the version before accounts opens after the upgrade; its cases go to
    the first administrator, who reads every clip, model and identification unchanged."""
    import shutil

    from gait.case.accounts import create_first_administrator

    source, case_id, identification_id = identified_case
    folder = tmp_path / "data"
    shutil.copytree(source, folder)
    old = CaseStore(folder)
    before = (old.clips(case_id), old.models(case_id), old.identifications(case_id),
              old.audit())
    downgrade_to_version_2(old.db_path)

    upgraded = CaseStore(folder)
    assert upgraded.schema_version == 3
    events = upgraded.audit()
    assert events[:len(before[3])] == before[3]
    assert [(e.action, e.details["to_version"]) for e in events[len(before[3]):]] == [
        ("schema upgraded", 3)]
    assert upgraded.case(case_id).owner_id is None
    admin = create_first_administrator(upgraded, "ada", "Ada Admin", "correct horse battery")
    ada = upgraded.acting_as(admin)
    assert ada.case(case_id).owner_id == admin.user_id
    assert (ada.clips(case_id), ada.models(case_id), ada.identifications(case_id)) == before[:3]
    for clip in ada.clips(case_id):
        assert ada.keypoints(clip).n_frames == clip.n_frames
    for model in ada.models(case_id):
        assert tuple(ada.load_model(model).suspects) == model.suspects
    assert ada.identification(identification_id).result == \
        old.identification(identification_id).result
    assert ada.audit(case_id)[-1].action == "case given to the first administrator"
