"""Bad input (issue 2, section 8): one test per kind of bad input.

Each goes through the command line (``python -m gait``: exit status 2, exactly one line on
stderr, no traceback, no output file left behind, not even half of one) and, where the engine
has an answer of its own, through the API. The fast ones run ``cli.main`` in-process.

Covered elsewhere and not repeated here:

* ``tests/test_video.py::test_bad_videos_raise_one_line_video_error``: missing, empty, text,
  folder, audio-only, truncated and header-only files at the :mod:`gait.media.video` level;
* ``tests/test_pose.py::test_video_without_a_person_raises_pose_error``,
  ``test_truncated_video_is_extracted_up_to_the_cut`` and
  ``test_two_people_clip_follows_the_walker``: the same clips through
  :func:`gait.pose.extraction.extract_keypoints`;
* ``tests/test_keypoints.py::test_invalid_arrays_are_refused``: :class:`KeypointSequence`
  validation;
* ``tests/test_model_identify.py::test_feature_schema_mismatch_is_a_clear_error``: a table
  without one of the model's columns, at the API level;
* ``tests/test_pipeline_shared_data.py``: every shared keypoint clip through the pipeline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from gait import cli
from gait.identification.calibration import train_identifier
from gait.identification.identify import (
    INSUFFICIENT,
    Identification,
    identify_table,
)
from gait.identification.model import GaitModel, ModelError
from gait.identification.settings import ModelSettings
from gait.media.datasets import ClipRecord, load_dataset
from gait.media.keypoints import KeypointSequence, load_npz, save_npz
from gait.media.landmarks import L_HIP, R_HIP
from gait.pose.synthetic import WalkerStyle, synthetic_walk
from gait.walk.cycles import GaitAnalysis, analyse_gait
from gait.walk.features import FeatureTable, analysis_features, build_table
from gait.walk.quality import tracking_warnings as quality_warnings
from tests.helpers import write_test_video

ROOT = Path(__file__).resolve().parents[1]
CASIA_WALK = "casia-b/001-nm-01-090.avi"  # 106 frames; the walker is in view from frame ~45
TINY = ModelSettings(hidden_units=(8,), max_epochs=8, patience_epochs=3, batch_size=256)
PEOPLE = {
    "ann": WalkerStyle(cadence_steps_per_min=96, thigh_fh=0.18, knee_flex_deg=50),
    "bob": WalkerStyle(cadence_steps_per_min=112, thigh_fh=0.15, arm_swing_deg=30),
    "cat": WalkerStyle(cadence_steps_per_min=104, shank_fh=0.19, hip_swing_deg=28),
    "dan": WalkerStyle(cadence_steps_per_min=120, trunk_fh=0.26, knee_flex_deg=65),
}


# --------------------------------------------------------------------------------------------
# Helpers and fixtures
# --------------------------------------------------------------------------------------------
def _gait(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m gait ARGS`` in a fresh process (it inherits the test's keypoint cache)."""
    return subprocess.run([sys.executable, "-m", "gait", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def _assert_one_line_error(code: int, stderr: str, *needles: str) -> str:
    """Exit status 2 and exactly one ``error:`` line on stderr naming every needle."""
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _assert_cli_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    return _assert_one_line_error(result.returncode, result.stderr, *needles)


def _assert_main_error(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    """The same through ``cli.main`` in this process (fast; the model is loaded here)."""
    code = cli.main(argv)
    return _assert_one_line_error(code, capsys.readouterr().err, *needles)


def _assert_nothing_written(folder: Path) -> None:
    """No output file, whole or partial (temporary names start with a dot)."""
    assert not folder.exists() or list(folder.iterdir()) == [], list(folder.iterdir())


def _synthetic_clips(view: str, takes: range) -> Any:
    for name, style in PEOPLE.items():
        for take in takes:
            direction = ("right" if take % 2 else "left") if view == "side" else "front"
            clip_id = f"{name}_{view}_{take}"
            yield (ClipRecord(clip_id, name, view, direction, "normal", str(take),
                              Path(f"{clip_id}.npz")),
                   synthetic_walk(style, view, duration_s=4.0, direction=direction,
                                  noise_fh=0.002, seed=take, clip_id=clip_id))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[GaitModel, Path]:
    """A small side-view model of four synthetic walkers, saved (``PATH.keras`` + ``.json``)."""
    model = train_identifier(build_table(_synthetic_clips("side", range(3)), "side"), TINY)
    base = tmp_path_factory.mktemp("model") / "side"
    model.save(base)
    return model, base


@pytest.fixture(scope="module")
def real_side_clip(shared_data: Path) -> KeypointSequence:
    """A real side-view walk from the shared enrolment keypoints."""
    _, sequence = next(load_dataset(shared_data / "keypoints" / "enrol", view="side"))
    return sequence


@pytest.fixture(scope="module")
def casia_frames(shared_videos: Path) -> list[np.ndarray]:
    with av.open(str(shared_videos / CASIA_WALK)) as source:
        return [frame.to_ndarray(format="rgb24") for frame in source.decode(video=0)]


def _write_npz(path: Path, **arrays: Any) -> Path:
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    return path


def _keypoint_arrays(sequence: KeypointSequence) -> dict[str, Any]:
    return {"xyzv": sequence.xyzv.copy(), "frame_index": sequence.frame_index.astype(np.int32),
            "fps": np.float32(sequence.fps)}


# --------------------------------------------------------------------------------------------
# Missing file, zero bytes, text renamed .mp4
# (moved here from tests/test_cli.py, which keeps the general command-line tests)
# --------------------------------------------------------------------------------------------
def test_missing_file(
    tmp_path: Path, tiny_model: tuple[GaitModel, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    _assert_cli_error(_gait("extract", tmp_path / "missing.mp4", "--out", out / "k.npz"),
                      "missing.mp4", "no such file")
    for name in ("missing.mp4", "missing.npz"):
        _assert_main_error(["identify", str(tmp_path / name), "--model", str(tiny_model[1]),
                            "--json", str(out / "r.json")], capsys, name, "no such file")
    _assert_nothing_written(out)


def test_zero_byte_file(
    tmp_path: Path, tiny_model: tuple[GaitModel, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    video, keypoints = tmp_path / "empty.mp4", tmp_path / "empty.npz"
    video.write_bytes(b"")
    keypoints.write_bytes(b"")
    _assert_cli_error(_gait("extract", video, "--out", out / "k.npz", "--overlay", out / "o.mp4"),
                      "empty.mp4", "empty")
    _assert_main_error(["identify", str(video), "--model", str(tiny_model[1]),
                        "--json", str(out / "r.json")], capsys, "empty.mp4")
    _assert_main_error(["identify", str(keypoints), "--model", str(tiny_model[1])], capsys,
                       "empty.npz", "not a readable")
    _assert_nothing_written(out)


def test_text_file_renamed_mp4(
    tmp_path: Path, tiny_model: tuple[GaitModel, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    text = tmp_path / "notes.mp4"
    text.write_text("hello, I am not a video\n" * 20, encoding="utf-8")
    _assert_cli_error(_gait("extract", text, "--out", out / "k.npz"), "notes.mp4",
                      "not a readable video")
    _assert_main_error(["identify", str(text), "--model", str(tiny_model[1]),
                        "--json", str(out / "r.json")], capsys, "notes.mp4")
    _assert_nothing_written(out)


# --------------------------------------------------------------------------------------------
# Truncated video
# --------------------------------------------------------------------------------------------
def test_truncated_mp4_cut_in_half_is_refused(
    tmp_path: Path, casia_frames: list[np.ndarray]
) -> None:
    # A real walk written as H.264 MP4 keeps its index (moov) at the end: half a file has none.
    whole = write_test_video(tmp_path / "walk.mp4", casia_frames)
    data = whole.read_bytes()
    assert data.find(b"moov") > len(data) // 2
    cut = tmp_path / "walk_cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    _assert_cli_error(
        _gait("extract", cut, "--out", out / "k.npz", "--overlay", out / "o.mp4", "--quiet"),
        "walk_cut.mp4", "truncated",
    )
    _assert_nothing_written(out)


@pytest.mark.slow
def test_truncated_avi_cut_in_half_gives_the_frames_before_the_cut(
    tmp_path: Path, shared_videos: Path
) -> None:
    # An AVI decodes without its index: the first half is analysed, and says it stopped early.
    data = (shared_videos / CASIA_WALK).read_bytes()
    cut = tmp_path / "walk_cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    out = tmp_path / "walk_cut.npz"
    result = _gait("extract", cut, "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    sequence = load_npz(out)
    assert 40 <= sequence.frame_index[-1] < 105  # up to the cut, in the range the walker is in
    assert sequence.meta["stopped_early"] is True
    assert sequence.detected.any()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --------------------------------------------------------------------------------------------
# A video with no person
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_video_with_no_person_is_refused(
    tmp_path: Path, shared_videos: Path, tiny_model: tuple[GaitModel, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    background = shared_videos / "casia-b" / "001-bkgrd-090.avi"
    out = tmp_path / "out"
    # MediaPipe and TensorFlow print start-up notices straight to stderr; none may show.
    _assert_cli_error(
        _gait("extract", background, "--out", out / "k.npz", "--overlay", out / "o.mp4",
              "--quiet"),
        "001-bkgrd-090.avi", "no person",
    )
    _assert_main_error(["identify", str(background), "--model", str(tiny_model[1]),
                        "--json", str(out / "r.json")], capsys, "001-bkgrd-090.avi", "no person")
    _assert_nothing_written(out)


# --------------------------------------------------------------------------------------------
# Recordings in which there is nobody to analyse, and choices that do not fit the recording
# --------------------------------------------------------------------------------------------
def test_a_person_who_never_walks_is_refused(
    tmp_path: Path, casia_frames: list[np.ndarray], capsys: pytest.CaptureFixture[str],
) -> None:
    """One frame of the walker, mid-stride, held for 4 s: a person, but no walk."""
    still = write_test_video(tmp_path / "still.mp4", [casia_frames[80]] * 100)
    out = tmp_path / "out"
    _assert_main_error(["extract", str(still), "--out", str(out / "k.npz"), "--quiet"],
                       capsys, "still.mp4", "walk")
    _assert_nothing_written(out)


@pytest.mark.slow
def test_ten_thousand_dark_frames_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """Nearly seven minutes of a camera in the dark (sensor noise on black)."""
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 6, (120, 160, 3), dtype=np.uint8) for _ in range(10)]
    dark = write_test_video(tmp_path / "night.mp4", [noise[i % 10] for i in range(10_000)])
    out = tmp_path / "out"
    message = _assert_main_error(["extract", str(dark), "--out", str(out / "k.npz"),
                                  "--quiet"], capsys, "night.mp4", "no person")
    assert "dark" in message
    _assert_nothing_written(out)


@pytest.mark.parametrize(("options", "needles"), [
    (["--track", "7"], ("no person track 7", "tracks: 1")),
    (["--start", "50", "--end", "60"], ("outside",)),
    (["--start", "3", "--end", "2"], ("before it starts",)),
])
def test_a_choice_that_does_not_fit_the_recording_is_refused(
    tmp_path: Path, shared_videos: Path, capsys: pytest.CaptureFixture[str],
    options: list[str], needles: tuple[str, ...],
) -> None:
    out = tmp_path / "out"
    _assert_main_error(["extract", str(shared_videos / CASIA_WALK), "--out",
                        str(out / "k.npz"), "--quiet", *options], capsys, *needles)
    _assert_nothing_written(out)


# --------------------------------------------------------------------------------------------
# A clip shorter than a step: "insufficient gait" with a reason, never an exception; one step:
# identified from the half cycle
# --------------------------------------------------------------------------------------------
def _first_frames_identified(clip: KeypointSequence, model: GaitModel, n_frames: int
                             ) -> tuple[GaitAnalysis, Identification]:
    """The first ``n_frames`` of a real walk, analysed and identified."""
    short = KeypointSequence(clip.xyzv[:n_frames], clip.frame_index[:n_frames], clip.fps)
    analysis = analyse_gait(short, "side")
    table = FeatureTable("side", analysis_features(analysis, "short"))
    return analysis, identify_table(model, table, analysis.insufficient_reason)


def test_clip_shorter_than_a_step_is_insufficient_gait(
    real_side_clip: KeypointSequence, tiny_model: tuple[GaitModel, Path]
) -> None:
    analysis, result = _first_frames_identified(real_side_clip, tiny_model[0], 10)
    assert not analysis.sufficient and analysis.cycles == ()
    assert "less than a step" in (analysis.insufficient_reason or "")
    assert result.verdict == INSUFFICIENT
    assert result.suspect is None and result.ranking == []
    assert result.reason == analysis.insufficient_reason


def test_clip_of_one_step_is_identified_at_half_weight(
    real_side_clip: KeypointSequence, tiny_model: tuple[GaitModel, Path]
) -> None:
    """One second of a real walk: one step, no stride; an answer, weighed as half a cycle."""
    analysis, result = _first_frames_identified(real_side_clip, tiny_model[0], 30)
    assert analysis.from_steps and len(analysis.cycles) == 1
    assert result.verdict != INSUFFICIENT and result.evidence_weight == 0.5
    assert "steps only" in result.reason


def test_video_shorter_than_one_gait_cycle_is_insufficient_gait(
    tmp_path: Path, casia_frames: list[np.ndarray], tiny_model: tuple[GaitModel, Path]
) -> None:
    clip = write_test_video(tmp_path / "ten_frames.mp4", casia_frames[60:70])  # 0.4 s of walking
    result = _gait("identify", clip, "--model", tiny_model[1], "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    answer = json.loads(result.stdout)
    assert answer["verdict"] == INSUFFICIENT
    assert answer["n_cycles"] == 0 and answer["ranking"] == []
    assert len(answer["reason"]) > 20


# --------------------------------------------------------------------------------------------
# The crowd clip: flagged as low quality
# --------------------------------------------------------------------------------------------
def test_quality_rule_on_measured_track_summaries() -> None:
    """The rule behind the ``quality``/``warnings`` output, on the shared clips' tracks."""
    crowd = {"selected_track": 0, "person_tracks": [
        {"n_frames": 153, "median_height_px": 82.1, "score": 6.739},
        {"n_frames": 138, "median_height_px": 107.0, "score": 5.364},
        {"n_frames": 102, "median_height_px": 128.2, "score": 4.86},
        {"n_frames": 188, "median_height_px": 83.9, "score": 4.424},
        {"n_frames": 34, "median_height_px": 98.1, "score": 2.806},
        {"n_frames": 19, "median_height_px": 91.8, "score": 1.412},
        {"n_frames": 3, "median_height_px": 44.5, "score": 0.195},
    ]}
    two_people = {"selected_track": 0, "person_tracks": [
        {"n_frames": 145, "median_height_px": 399.4, "score": 3.895},
        {"n_frames": 33, "median_height_px": 340.0, "score": 1.55},
        {"n_frames": 168, "median_height_px": 358.3, "score": 1.073},
        {"n_frames": 1, "median_height_px": 394.4, "score": 0.003},
    ]}
    casia = {"selected_track": 0, "person_tracks": [
        {"n_frames": 72, "median_height_px": 117.3, "score": 2.732},
    ]}
    codes = [w["code"] for w in quality_warnings(crowd, 10.0)]
    assert codes == ["small_person", "crowded_scene", "rival_walker"]
    assert quality_warnings(two_people, 30.0) == []
    assert quality_warnings(casia, 25.0) == []
    assert quality_warnings({}, 30.0) == []  # imported keypoints: no track summaries
    for warning in quality_warnings(crowd, 10.0):
        assert "\n" not in warning["message"]


@pytest.mark.slow
def test_crowd_clip_is_flagged_low_quality(
    tmp_path: Path, shared_videos: Path, tiny_model: tuple[GaitModel, Path]
) -> None:
    crowd = shared_videos / "crowd_elevated_10fps.avi"
    out = tmp_path / "crowd.npz"
    extracted = _gait("extract", crowd, "--out", out, "--quiet")
    assert extracted.returncode == 0, extracted.stderr
    assert "quality: low" in extracted.stdout
    assert "px tall" in extracted.stdout and "crowded scene" in extracted.stdout
    sequence = load_npz(out)
    assert sequence.meta["n_person_tracks"] >= 4
    # identify takes the keypoints from the cache and puts the flag into its JSON.
    answer_path = tmp_path / "answer.json"
    identified = _gait("identify", crowd, "--model", tiny_model[1], "--json", answer_path)
    assert identified.returncode == 0, identified.stderr
    answer = json.loads(answer_path.read_text())
    assert answer["quality"] == "low"
    codes = {w["code"] for w in answer["warnings"]}
    assert {"small_person", "crowded_scene"} <= codes
    assert answer["warnings"] == quality_warnings(sequence.meta, sequence.fps)


# --------------------------------------------------------------------------------------------
# A second person in the frame: the walker is analysed
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_second_person_in_frame_the_walker_is_analysed(
    tmp_path: Path, shared_videos: Path
) -> None:
    """A woman walks across a park while a man jumps on a box behind her."""
    out = tmp_path / "two_people.npz"
    result = _gait("extract", shared_videos / "side_walk_park_two_people.mp4", "--out", out,
                   "--quiet")
    assert result.returncode == 0, result.stderr
    assert "quality: low" not in result.stdout
    sequence = load_npz(out)
    detected = sequence.detected
    hips = sequence.xyzv[:, [L_HIP, R_HIP], :2].mean(axis=1)
    # The person analysed crosses most of the frame, low in the picture (the man on the box
    # is in its upper half, and he alone is in view for the first ~55 frames).
    assert np.nanmax(hips[:, 0]) - np.nanmin(hips[:, 0]) > 0.6
    assert np.nanmin(hips[detected, 1]) > 0.6
    walk = sequence.meta["walk"]
    assert walk["start_s"] >= 1.0  # she comes into view after the man has been alone a while
    tracks = {t["track_id"]: t for t in sequence.meta["scan"]["tracks"]}

    def longest_walk_s(track: dict[str, Any]) -> float:
        return max((w["end_s"] - w["start_s"] for w in track["walking"]), default=0.0)

    chosen = tracks.pop(walk["track_id"])
    assert longest_walk_s(chosen) >= 3.0
    assert tracks, "the jumping man was never tracked"
    assert all(longest_walk_s(t) < longest_walk_s(chosen) - 1.0 for t in tracks.values())


# --------------------------------------------------------------------------------------------
# Keypoint files with NaN/inf, or with the wrong shape
# --------------------------------------------------------------------------------------------
def test_keypoint_file_with_inf_is_refused(
    tmp_path: Path, real_side_clip: KeypointSequence, tiny_model: tuple[GaitModel, Path]
) -> None:
    arrays = _keypoint_arrays(real_side_clip)
    arrays["xyzv"][7, 3, 0] = np.inf
    path = _write_npz(tmp_path / "inf.npz", **arrays)
    out = tmp_path / "out"
    _assert_cli_error(_gait("identify", path, "--model", tiny_model[1], "--json",
                            out / "r.json"), "inf.npz", "infinite")
    _assert_nothing_written(out)


def test_keypoint_file_with_nan_values_treats_those_frames_as_gaps(
    tmp_path: Path, real_side_clip: KeypointSequence
) -> None:
    # NaN is the format's mark of a frame without a person: a stray NaN coordinate makes its
    # frame a gap, which is filled or splits the walk; nothing raises.
    arrays = _keypoint_arrays(real_side_clip)
    rows = np.arange(3, real_side_clip.n_frames, 17)
    arrays["xyzv"][rows, 11, 1] = np.nan
    sequence = load_npz(_write_npz(tmp_path / "nan.npz", **arrays))
    assert not sequence.detected[rows].any()
    assert sequence.detected.sum() == real_side_clip.detected.sum() - len(rows)
    analysis = analyse_gait(sequence, "side")
    assert analysis.sufficient or analysis.insufficient_reason


def test_keypoint_file_with_nan_everywhere_is_insufficient_gait(
    tmp_path: Path, tiny_model: tuple[GaitModel, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_npz(tmp_path / "all_nan.npz", xyzv=np.full((60, 33, 4), np.nan, np.float32),
                      frame_index=np.arange(60, dtype=np.int32), fps=np.float32(30))
    assert cli.main(["identify", str(path), "--model", str(tiny_model[1]), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    answer = json.loads(captured.out)
    assert answer["verdict"] == INSUFFICIENT
    assert "no person" in answer["reason"]


def test_keypoint_file_with_nan_frame_rate_is_refused(
    tmp_path: Path, real_side_clip: KeypointSequence, tiny_model: tuple[GaitModel, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    arrays = {**_keypoint_arrays(real_side_clip), "fps": np.float32(np.nan)}
    path = _write_npz(tmp_path / "nan_fps.npz", **arrays)
    _assert_main_error(["identify", str(path), "--model", str(tiny_model[1])], capsys,
                       "nan_fps.npz", "fps")


def test_keypoint_file_with_the_wrong_shape_is_refused(
    tmp_path: Path, tiny_model: tuple[GaitModel, Path]
) -> None:
    # COCO-style 17 keypoints with (x, y, score), as another pose tool would write them.
    path = _write_npz(tmp_path / "coco17.npz", xyzv=np.zeros((50, 17, 3), np.float32),
                      frame_index=np.arange(50, dtype=np.int32), fps=np.float32(25))
    out = tmp_path / "out"
    _assert_cli_error(_gait("identify", path, "--model", tiny_model[1], "--json",
                            out / "r.json"), "coco17.npz", "shape", "(50, 17, 3)")
    _assert_nothing_written(out)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"xyzv": np.zeros((50, 4, 33), np.float32)}, "shape"),
        ({"xyzv": np.zeros(50, np.float32)}, "shape"),
        ({"xyzv": np.full((50, 33, 4), "x")}, "numbers"),
        ({"frame_index": np.arange(49, dtype=np.int32)}, "frame_index"),
        ({"frame_index": np.zeros((5, 10), np.int32)}, "frame_index"),
        ({"fps": np.array([], np.float32)}, "fps"),
        ({"fps": np.array("fast")}, "fps"),
        ({"frame_size_px": np.array([640], np.int32)}, "frame_size_px"),
        ({"world_xyzv": np.zeros((3, 33, 4), np.float32)}, "world_xyzv"),
        ({"meta_json": np.array("[1, 2]")}, "meta_json"),
    ],
    ids=["axes-swapped", "flat", "strings", "short-index", "2d-index", "no-fps", "text-fps",
         "one-size", "world-shape", "meta-list"],
)
def test_keypoint_file_with_malformed_arrays_is_refused(
    tmp_path: Path, tiny_model: tuple[GaitModel, Path], capsys: pytest.CaptureFixture[str],
    change: dict[str, Any], needle: str,
) -> None:
    arrays = {"xyzv": np.full((50, 33, 4), 0.5, np.float32),
              "frame_index": np.arange(50, dtype=np.int32), "fps": np.float32(25), **change}
    path = _write_npz(tmp_path / "bad.npz", **arrays)
    _assert_main_error(["identify", str(path), "--model", str(tiny_model[1])], capsys,
                       "bad.npz", needle)


# --------------------------------------------------------------------------------------------
# A model whose feature schema does not match
# --------------------------------------------------------------------------------------------
def test_model_fed_a_table_of_the_other_view_is_refused(tiny_model: tuple[GaitModel, Path]) -> None:
    model = tiny_model[0]
    front = build_table(_synthetic_clips("front", range(1)), "front")
    assert not front.frame.empty
    with pytest.raises(ModelError, match="side-view model"):
        model.features_from(front)
    with pytest.raises(ModelError, match="side-view model"):
        identify_table(model, front)


def _tampered_model(tiny_model: tuple[GaitModel, Path], folder: Path, change: Any) -> Path:
    """A copy of the tiny model whose metadata file is edited by ``change(meta)``."""
    base = tiny_model[1]
    folder.mkdir()
    shutil.copyfile(base.with_suffix(".keras"), folder / "m.keras")
    meta = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
    change(meta)
    (folder / "m.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder / "m"


def test_model_of_another_feature_schema_is_refused(
    tmp_path: Path, tiny_model: tuple[GaitModel, Path], real_side_clip: KeypointSequence
) -> None:
    # As from another software version: one input column has a name this version never makes.
    def rename(meta: dict[str, Any]) -> None:
        meta["feature_names"][0] = "thigh_length_left_v0"

    model = _tampered_model(tiny_model, tmp_path / "model", rename)
    clip = save_npz(real_side_clip, tmp_path / "walk.npz")
    out = tmp_path / "out"
    _assert_cli_error(_gait("identify", clip, "--model", model, "--json", out / "r.json"),
                      "schema", "thigh_length_left_v0")
    _assert_nothing_written(out)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda m: m.update(feature_names=m["feature_names"][:10],
                            impute_values=m["impute_values"][:10]), "schema"),
        (lambda m: m.update(impute_values=m["impute_values"][:-1]), "schema"),
        (lambda m: m.update(suspects=m["suspects"][:-1]), "suspects"),
        (lambda m: m.pop("suspects"), "suspects"),
        (lambda m: m.update(view="top"), "view"),
    ],
    ids=["fewer-features", "fewer-impute-values", "fewer-suspects", "no-suspects", "bad-view"],
)
def test_model_metadata_that_does_not_fit_its_network_is_refused(
    tmp_path: Path, tiny_model: tuple[GaitModel, Path], real_side_clip: KeypointSequence,
    capsys: pytest.CaptureFixture[str], change: Any, needle: str,
) -> None:
    model = _tampered_model(tiny_model, tmp_path / "model", change)
    clip = save_npz(real_side_clip, tmp_path / "walk.npz")
    _assert_main_error(["identify", str(clip), "--model", str(model)], capsys, needle)
