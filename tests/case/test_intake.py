"""Tests of gait.case.intake: enrolment from real videos (once), refusals with their reasons."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gait.case.intake import add_evidence_video, add_keypoint_clip, enrol_video
from gait.case.store import CaseStore, StoreError
from gait.media.keypoints import save_npz
from gait.pose.synthetic import WalkerStyle, synthetic_walk

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
