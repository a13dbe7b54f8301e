"""Case work on a store: enrolment from real videos (once), refusals with reasons, keypoint
import, feature caching across restarts, training and identification on the demo case."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gait import casework
from gait import landmarks as lm
from gait.casework import (
    COMPARISON_COLUMNS,
    METRIC_CLIP_RANK1,
    METRIC_CONFUSION,
    METRIC_EVAL_SKIPPED,
    METRIC_PER_SUSPECT,
    add_evidence_video,
    case_parameters,
    case_table,
    enrol_video,
    identify_clip,
    import_keypoint_folder,
    parameter_table,
    quality_card,
    train_case_model,
)
from gait.demo import build_demo_case
from gait.identify import INSUFFICIENT, MATCH, NO_MATCH
from gait.keypoints import KeypointSequence, save_npz
from gait.parameters import parameters_for_view
from gait.store import CaseStore, StoreError
from gait.synthetic import WalkerStyle, synthetic_walk

CASIA = ("videos", "casia-b")


def _small_settings():
    from gait.model import ModelSettings

    return ModelSettings(hidden_units=(32,), max_epochs=12, patience_epochs=5, batch_size=64)


# -- quality cards ---------------------------------------------------------------------------
def test_quality_card_of_a_good_walk() -> None:
    card = quality_card(synthetic_walk(view="side", duration_s=6.0), "side")
    assert card.usable and card.reason is None
    assert card.n_cycles >= 3
    assert card.frames_with_person == card.n_frames == 180
    assert card.mean_visibility == pytest.approx(0.95)
    assert card.warnings == ()


def test_quality_card_warnings_and_refusal() -> None:
    walk = synthetic_walk(view="side", duration_s=6.0, fps=15.0)
    xyzv = walk.xyzv.copy()
    xyzv[..., 3] = 0.3
    crowded = KeypointSequence(
        xyzv, walk.frame_index, walk.fps, walk.frame_size_px,
        meta={"n_person_tracks": 3, "selected_track": 0,
              "person_tracks": [{"median_height_px": 60.0, "n_frames": 90, "score": 5.0},
                                {"median_height_px": 90.0, "n_frames": 90, "score": 4.0},
                                {"median_height_px": 80.0, "n_frames": 90, "score": 1.0}]},
    )
    card = quality_card(crowded, "side", direction="left")
    text = " | ".join(card.warnings)
    for expected in ("low landmark visibility", "another person walks", "px tall",
                     "low frame rate", "not left as entered"):
        assert expected in text
    standing = synthetic_walk(WalkerStyle(hip_swing_deg=0.0, knee_flex_deg=0.0,
                                          arm_swing_deg=0.0), view="side", duration_s=1.0)
    refused = quality_card(standing, "side")
    assert not refused.usable and refused.n_cycles == 0 and refused.reason


def test_quality_card_warns_of_many_facing_flips() -> None:
    walk = synthetic_walk(view="front", direction="back", duration_s=5.0, seed=2)
    xyzv = walk.xyzv.copy()
    flipped = np.arange(len(xyzv)) % 5 == 0  # the pose model's facing guess wrong in 20 %
    xyzv[flipped] = xyzv[flipped][:, list(lm.LEFT_RIGHT_SWAP)]
    flipping = KeypointSequence(xyzv, walk.frame_index, walk.fps, walk.frame_size_px)
    warned = " | ".join(quality_card(flipping, "front").warnings)
    assert "face the other way in 20% of the frames" in warned
    assert not any("other way" in w for w in quality_card(walk, "front").warnings)


# -- real videos -----------------------------------------------------------------------------
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
    import gait.pose

    def no_extraction(*args: object, **kwargs: object) -> None:
        raise AssertionError("keypoints were extracted twice")

    monkeypatch.setattr(gait.pose, "extract_keypoints", no_extraction)
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


# -- keypoint import -------------------------------------------------------------------------
def _subset(shared_data: Path, target: Path, subjects: tuple[str, ...], per_subject: int) -> int:
    source = shared_data / "keypoints" / "enrol"
    target.mkdir()
    with (source / "manifest.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["view"] == "side"
                and r["subject"] in subjects]
    chosen = []
    for subject in subjects:
        chosen += [r for r in rows if r["subject"] == subject][:per_subject]
    for row in chosen:
        shutil.copy(source / row["file"], target / row["file"])
    damaged = dict(chosen[0], clip_id="damaged", file="damaged.npz")
    (target / "damaged.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with (target / "manifest.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(chosen[0]))
        writer.writeheader()
        writer.writerows([*chosen, damaged])
    return len(chosen)


def test_import_keypoint_folder(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "subset"
    n_files = _subset(shared_data, folder, ("S01", "S02", "S03"), 2)
    store = CaseStore(tmp_path / "data")
    case = store.create_case("Imported")
    store.add_suspect(case.case_id, "S01")
    seen: list[tuple[int, int]] = []
    report = import_keypoint_folder(store, case.case_id, folder, actor="s",
                                    progress=lambda d, t: seen.append((d, t)))
    assert report.suspects_created == ("S02", "S03")
    assert report.n_added + len(report.refused) == n_files + 1
    assert ("damaged" in dict(report.refused))
    assert report.n_added >= n_files - 1
    assert seen[-1] == (n_files + 1, n_files + 1)
    clips = store.clips(case.case_id, view="side", role="enrolment")
    assert len(clips) == report.n_added
    assert {c.source for c in clips} == {"keypoints"}
    assert all(c.video_sha256 is None and c.n_cycles >= 1 for c in clips)
    again = import_keypoint_folder(store, case.case_id, folder)
    assert again.n_added == 0 and again.n_existing == report.n_added
    with pytest.raises(StoreError, match="manifest"):
        import_keypoint_folder(store, case.case_id, tmp_path)

    table = case_table(store, case.case_id, "side")
    assert set(table.subjects) == {"S01", "S02", "S03"}
    assert table.frame["clip_id"].nunique() == report.n_added


# -- cached analysis -------------------------------------------------------------------------
def test_parameters_survive_a_restart_without_recomputation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = CaseStore(tmp_path)
    case = build_demo_case(store, n_suspects=2, clips_per_suspect=1)
    first = case_table(store, case.case_id, "side")
    casework._FEATURE_MEMO.clear()  # a new process

    def no_analysis(*args: object, **kwargs: object) -> None:
        raise AssertionError("gait parameters were computed again")

    monkeypatch.setattr(casework, "analyse_gait", no_analysis)
    second = case_table(CaseStore(tmp_path), case.case_id, "side")
    assert first.frame.equals(second.frame)
    clip = store.clips(case.case_id, view="side")[0]
    table = parameter_table(store, clip)
    assert list(table["cycle"]) == list(range(1, clip.n_cycles + 1))
    assert (table["clip_name"] == clip.original_name).all()
    everyone = case_parameters(store, case.case_id, "front")
    assert set(everyone["subject"]) == {"Walker A", "Walker B"}
    assert "clip_name" in everyone


# -- training and identification -------------------------------------------------------------
@pytest.mark.slow
def test_train_and_identify_on_the_demo_case(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = build_demo_case(store, n_suspects=3, clips_per_suspect=2)
    epochs: list[int] = []
    stages: list[tuple[str, int, int]] = []
    record = train_case_model(store, case.case_id, "side", with_visibility=False,
                              on_epoch=lambda e, logs: epochs.append(e),
                              progress=lambda *a: stages.append(a), actor="trainer",
                              settings=_small_settings())
    assert epochs and stages[-1] == ("evaluation", 2, 2)
    metrics = record.metrics
    assert record.suspects == ("Walker A", "Walker B", "Walker C")
    assert not record.with_visibility and record.added_by == "trainer"
    assert metrics[METRIC_EVAL_SKIPPED] is None
    assert 0.0 <= metrics[METRIC_CLIP_RANK1] <= 1.0
    assert set(metrics[METRIC_PER_SUSPECT]) == set(record.suspects)
    confusion = metrics[METRIC_CONFUSION]
    assert np.asarray(confusion["counts"]).sum() == 6 and len(confusion["labels"]) == 3
    assert metrics["n_cycles"] > 0 and metrics["training_s"] > 0
    assert (tmp_path / "models" / str(record.model_id) / "model.keras").is_file()

    restarted = CaseStore(tmp_path)
    assert restarted.models(case.case_id, view="side") == [record]
    evidence = restarted.clips(case.case_id, role="evidence")
    outcome = identify_clip(restarted, case.case_id, evidence[0].clip_id, record.model_id,
                            actor="investigator")
    ident = outcome.identification
    assert ident.verdict in (MATCH, NO_MATCH)
    assert [s for s, _ in ident.ranking] and outcome.compared_suspect == ident.ranking[0][0]
    comparison = outcome.comparison
    assert tuple(comparison.columns) == COMPARISON_COLUMNS
    assert len(comparison) == len(parameters_for_view("side"))
    finite = comparison["standardised_difference"].abs().dropna().to_numpy()
    assert np.all(np.diff(finite) >= 0)
    stored = restarted.identifications(case.case_id)
    assert stored == [outcome.record]
    assert outcome.record.result["clip"]["keypoints_sha256"] == evidence[0].keypoints_sha256
    assert restarted.audit(case.case_id)[-1].action == "identification"
    assert restarted.audit(case.case_id)[-1].actor == "investigator"
    assert restarted.summary(case.case_id).n_identifications == 1

    standing = synthetic_walk(WalkerStyle(hip_swing_deg=0.0, knee_flex_deg=0.0,
                                          arm_swing_deg=0.0), view="side", duration_s=1.0)
    sha = restarted.put_blob(save_npz(standing, tmp_path / "standing.npz"))
    short = casework.add_keypoint_clip(restarted, case.case_id, None, standing, sha,
                                       "standing.npz", "side", "unknown", role="evidence")
    assert short.clip is not None and short.clip.n_cycles == 0  # evidence is kept
    insufficient = identify_clip(restarted, case.case_id, short.clip.clip_id, record.model_id)
    assert insufficient.identification.verdict == INSUFFICIENT
    assert insufficient.identification.reason and insufficient.comparison.empty

    front_clip = restarted.clips(case.case_id, view="front")[0]
    with pytest.raises(StoreError, match="view"):
        identify_clip(restarted, case.case_id, front_clip.clip_id, record.model_id)
    # Altered evidence is refused, and nothing is recorded for it.
    path = restarted.blob_path(evidence[1].keypoints_sha256)
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(StoreError, match="altered"):
        identify_clip(CaseStore(tmp_path), case.case_id, evidence[1].clip_id, record.model_id)
    assert len(restarted.identifications(case.case_id)) == 2  # the two made above


@pytest.mark.slow
def test_one_clip_per_suspect_trains_without_evaluation(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = build_demo_case(store, n_suspects=2, clips_per_suspect=1)
    record = train_case_model(store, case.case_id, "front", settings=_small_settings())
    assert "two or more usable clips" in record.metrics[METRIC_EVAL_SKIPPED]
    assert record.metrics["open_set_threshold"] is None


def test_training_needs_two_suspects(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = store.create_case("Empty")
    with pytest.raises(StoreError, match="at least two suspects"):
        train_case_model(store, case.case_id, "side")
    with pytest.raises(StoreError, match="between 0 and 1"):
        train_case_model(store, case.case_id, "side", target_fpir=1.5)


def test_enrolment_without_a_gait_cycle_is_refused(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    case = store.create_case("Short")
    standing = synthetic_walk(WalkerStyle(hip_swing_deg=0.0, knee_flex_deg=0.0,
                                          arm_swing_deg=0.0), view="side", duration_s=1.0)
    sha = store.put_blob(save_npz(standing, tmp_path / "standing.npz"))
    suspect = store.add_suspect(case.case_id, "A")
    refused = casework.add_keypoint_clip(store, case.case_id, suspect.suspect_id, standing,
                                         sha, "standing.npz", "side", "unknown")
    assert refused.clip is None and "standing.npz" in refused.refused_reason
    assert store.clips(case.case_id) == []


def test_suspect_profile_known_answer() -> None:
    from gait.casework import suspect_profile

    frame = pd.DataFrame({"subject": ["a", "a", "b", "b"],
                          "cadence_steps_per_min": [100.0, 102.0, 110.0, 112.0],
                          "not_a_parameter": [1, 2, 3, 4]})
    profile = suspect_profile(frame, "a")
    assert profile["parameter"].tolist() == ["cadence_steps_per_min"]
    row = profile.iloc[0]
    assert row["suspect median"] == 101.0 and row["case median"] == 106.0
    assert row["z vs case"] == pytest.approx(-5.0 / frame["cadence_steps_per_min"].std())
    assert row["cycles"] == 2
