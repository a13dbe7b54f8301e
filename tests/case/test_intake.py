"""Tests of gait.case.intake: enrolment from real videos (once), refusals with their reasons."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gait.case.intake import (
    add_evidence_video,
    add_evidence_walk,
    add_keypoint_clip,
    enrol_video,
    enrol_walk,
    store_recording,
)
from gait.case.store import CaseStore, StoreError
from gait.media.keypoints import save_npz
from gait.pose.extraction import WalkChoice
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from tests.helpers import joined_recording

CASIA = ("videos", "casia-b")


@pytest.mark.slow
def test_enrol_real_video_once_and_refuse_the_empty_studio(
        shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    videos = shared_data.joinpath(*CASIA)
    store = CaseStore(tmp_path / "data")
    case = store.create_case("CASIA")
    suspect = store.add_suspect(case.case_id, "001")
    upload = tmp_path / "upload.avi"  # an upload's temporary file, deleted afterwards
    shutil.copy(videos / "001-nm-01-090.avi", upload)
    frames_seen: list[int] = []
    report = enrol_video(store, case.case_id, suspect.suspect_id, upload, "001-nm-01-090.avi",
                         "side", "unknown", progress=lambda done, total, fps:
                         frames_seen.append(done), actor="session-1")
    upload.unlink()
    assert report.refused_reason is None, report.refused_reason
    clip = report.clip
    assert clip is not None and clip.n_cycles >= 1 and report.quality.usable
    assert clip.original_name == "001-nm-01-090.avi" and clip.source == "video"
    assert clip.frame_width_px == 320 and clip.fps > 0 and clip.added_by == "session-1"
    assert frames_seen and frames_seen[-1] == clip.n_frames
    assert store.video_path(clip).is_file()
    overlay = store.overlay_path(clip)
    assert overlay is not None and overlay.read_bytes()[4:8] == b"ftyp"
    assert (tmp_path / "data" / "keypoints-cache").is_dir()

    # The same video again, even after a restart: no extraction, no second row.
    import gait.pose.extraction

    def no_extraction(*args: object, **kwargs: object) -> None:
        raise AssertionError("keypoints were extracted twice")

    monkeypatch.setattr(gait.pose.extraction, "extract_keypoints", no_extraction)
    again = enrol_video(CaseStore(tmp_path / "data"), case.case_id, suspect.suspect_id,
                        videos / "001-nm-01-090.avi", "renamed.avi", "side", "unknown")
    assert again.clip == clip
    assert len(store.clips(case.case_id)) == 1
    # The same video as evidence is refused with a reason, not duplicated.
    as_evidence = add_evidence_video(store, case.case_id, videos / "001-nm-01-090.avi",
                                     "evidence.avi", "side")
    assert as_evidence.clip is None and "already in the case" in as_evidence.refused_reason
    monkeypatch.undo()

    empty = enrol_video(store, case.case_id, suspect.suspect_id,
                        videos / "001-bkgrd-090.avi", "001-bkgrd-090.avi", "side", "unknown")
    assert empty.clip is None
    assert empty.refused_reason and "\n" not in empty.refused_reason
    assert "001-bkgrd-090.avi" in empty.refused_reason
    assert not empty.quality.usable
    assert len(store.clips(case.case_id)) == 1
    actions = [e.action for e in store.audit(case.case_id)]
    assert {"video stored", "keypoints extracted", "clip added"} <= set(actions)
    assert actions[-1] in ("extraction failed", "clip refused")
    assert all(e.software_version for e in store.audit(case.case_id))


@pytest.mark.slow
def test_each_walk_of_a_recording_is_its_own_clip(shared_data: Path, tmp_path: Path) -> None:
    """A recording of two people walking one after the other: one is enrolled, the other is
    the evidence, from the one stored file; the choices are recorded."""
    recording = tmp_path / "corridor.mp4"
    joined_recording(shared_data.joinpath(*CASIA), ("002-nm-01", "001-nm-05"), recording)
    store = CaseStore(tmp_path / "data")
    case = store.create_case("Corridor")
    suspect = store.add_suspect(case.case_id, "002")
    report = store_recording(store, case.case_id, recording, "corridor.mp4", "enrolment",
                             actor="session-1")
    assert report.refused_reason is None and report.recording is not None
    stored = report.recording
    assert stored.needs_choice
    assert [len(t.walking) for t in stored.scan.tracks] == [1, 1]
    first, second = stored.scan.tracks
    assert first.track.end_s < second.track.start_s
    sha = stored.video_sha256

    enrolled = enrol_walk(store, case.case_id, suspect.suspect_id, sha, "side", "unknown",
                          actor="session-1", choice=WalkChoice(first.track_id))
    assert enrolled.refused_reason is None, enrolled.refused_reason
    assert enrolled.clip is not None and enrolled.clip.track_id == first.track_id
    assert enrolled.clip.original_name == "corridor.mp4"
    assert enrolled.clip.end_s <= second.track.start_s + 0.5
    evidence = add_evidence_walk(store, case.case_id, sha, "side", actor="session-1",
                                 choice=WalkChoice(second.track_id))
    assert evidence.clip is not None and evidence.clip.track_id == second.track_id
    assert evidence.clip.video_sha256 == enrolled.clip.video_sha256 == sha
    assert evidence.clip.walk_label.startswith(f"person {second.track_id}, ")

    # The same walk again is the same clip; the evidence's person cannot be enrolled.
    again = enrol_walk(store, case.case_id, suspect.suspect_id, sha, "side", "unknown",
                       choice=WalkChoice(first.track_id))
    assert again.clip == enrolled.clip
    crossed = enrol_walk(store, case.case_id, suspect.suspect_id, sha, "side", "unknown",
                         choice=WalkChoice(second.track_id))
    assert crossed.clip is None
    assert crossed.refused_reason == (f"corridor.mp4: person {second.track_id} of this video "
                                      f"is already in the case as evidence clip "
                                      f"#{evidence.clip.clip_id}")
    # Choices that do not fit the recording: one line each, nothing stored.
    for choice, words in ((WalkChoice(9), "no person track 9"),
                          (WalkChoice(None, 100.0, 110.0), "outside")):
        refused = add_evidence_walk(store, case.case_id, sha, "side", choice=choice)
        assert refused.clip is None and words in refused.refused_reason
        assert "\n" not in refused.refused_reason
    assert len(store.clips(case.case_id)) == 2
    with pytest.raises(StoreError, match="not stored in this case"):
        add_evidence_walk(store, store.create_case("Other").case_id, sha, "side")

    extracted = [e.details for e in store.audit(case.case_id)
                 if e.action == "keypoints extracted"]
    assert extracted[0]["choice"] == {"track_id": first.track_id, "start_s": None,
                                      "end_s": None}
    assert extracted[0]["walk"]["track_id"] == first.track_id
    assert extracted[0]["walk"]["chosen_by_user"] is True
    added = [e.details for e in store.audit(case.case_id) if e.action == "clip added"]
    assert [d["walk"]["track_id"] for d in added] == [first.track_id, second.track_id]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello", "not a supported video type"),
        ("garbage.mp4", b"\x00not a video at all" * 100, "garbage.mp4"),
        ("empty.avi", b"", "empty"),
    ],
)
def test_bad_video_files_are_refused_not_raised(tmp_path: Path, name: str, content: bytes,
                                                message: str) -> None:
    store = CaseStore(tmp_path / "data")
    case = store.create_case("Case")
    suspect = store.add_suspect(case.case_id, "Alice")
    path = tmp_path / name
    path.write_bytes(content)
    report = enrol_video(store, case.case_id, suspect.suspect_id, path, name, "side", "left")
    assert report.clip is None and message in report.refused_reason
    assert "\n" not in report.refused_reason
    assert store.clips(case.case_id) == []
    with pytest.raises(StoreError, match="view"):
        enrol_video(store, case.case_id, suspect.suspect_id, path, name, "top", "left")


def test_enrolment_without_a_gait_cycle_is_refused(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = store.create_case("Short")
    standing = synthetic_walk(WalkerStyle(hip_swing_deg=0.0, knee_flex_deg=0.0,
                                          arm_swing_deg=0.0), view="side", duration_s=1.0)
    sha = store.put_blob(save_npz(standing, tmp_path / "standing.npz"))
    suspect = store.add_suspect(case.case_id, "A")
    refused = add_keypoint_clip(store, case.case_id, suspect.suspect_id, standing,
                                sha, "standing.npz", "side", "unknown")
    assert refused.clip is None and "standing.npz" in refused.refused_reason
    assert store.clips(case.case_id) == []
