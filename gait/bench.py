"""``python -m gait bench``: speed and memory, measured in one run.

Figures (keys of the JSON report):

* ``decode_fps``, ``pose_fps``, ``follow_fps``, ``extract_fps``: frames per second of
  decoding alone, of the pose model alone on the regions around the walker cut beforehand, of
  following the walker (decoding, region cutting and the pose model), and of the whole
  extraction (the scan for people included), on one real clip; ``follow_to_pose_ratio`` =
  follow_fps / pose_fps (goal >= 0.9: decoding hides behind inference) and
  ``extract_to_pose_ratio`` = extract_fps / pose_fps (the scan's share of a short clip);
* ``features_all_enrol_s``: every enrolment clip from keypoints to per-cycle feature vectors;
* ``train_s_side``, ``train_s_front``: training with open-set calibration, per view;
* ``identify_cold_s``: a video never seen (keypoints extracted) to a verdict;
  ``identify_warm_s``: the same clip again (cached keypoints), model already loaded;
* ``scan_x_realtime``: seconds of the bench recording scanned for people and walks per second
  of wall time (goal >= 2 for 1080p on 2 cores);
* ``extract_roi_to_pose_ratio``: the bench walk shrunk to a quarter of its size on a canvas
  as large as the original (a person about an eighth of the frame tall), followed end to end
  (decoding, region cutting, pose model) against the pose model alone on the same regions
  (goal >= 0.9); ``small_follow_fps``, ``small_pose_fps`` are the two rates;
* ``scan_peak_rss_mb``: peak resident memory of a fresh process that scans the bench recording
  (``1x``) and the recording joined to itself ten times (``10x``), and ``10x / 1x`` (goal:
  within 10 %: the scan streams);
* ``peak_rss_mb``: the process's peak resident memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gait.identification.calibration import train_identifier
from gait.identification.identify import identify_table
from gait.identification.model import GaitModel
from gait.walk.cycles import analyse_gait
from gait.walk.features import FeatureTable, analysis_features, load_table


def _identify_video(video: Path, model: GaitModel, cache_dir: Path) -> Any:
    from gait.pose.cache import KeypointCache

    sequence = KeypointCache(cache_dir).get_or_extract(video)
    analysis = analyse_gait(sequence, model.view)
    table = FeatureTable(model.view, analysis_features(analysis, clip_id=video.stem))
    return identify_table(model, table, analysis.insufficient_reason)


# Run in a fresh interpreter: scan a recording, print the process's peak RSS in MB.
_SCAN_RSS_SCRIPT = """
import resource, sys
from gait.pose.scan import scan_recording
scan_recording(sys.argv[1])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
"""
LONG_RECORDING_TIMES = 10
SMALL_PERSON_SCALE = 0.25


def scan_peak_rss_mb(video: Path) -> float:
    """Peak resident memory (MB) of a fresh Python process that scans ``video``."""
    done = subprocess.run([sys.executable, "-c", _SCAN_RSS_SCRIPT, str(video)],
                          capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    return float(done.stdout.strip().splitlines()[-1])


def _scan_and_small_person(video: Path, repeats: int, report: dict[str, Any]) -> None:
    """``scan_x_realtime``, ``extract_roi_to_pose_ratio`` and ``scan_peak_rss_mb``."""
    from gait.media.derived import paste_scaled, repeat_recording
    from gait.media.video import probe_video
    from gait.pose.throughput import (
        measure_follow_fps,
        measure_pose_fps,
        measure_scan_x_realtime,
    )

    report["scan_x_realtime"], _ = measure_scan_x_realtime(video, repeats=repeats)
    info = probe_video(video)
    with tempfile.TemporaryDirectory() as folder:
        small = paste_scaled(video, Path(folder) / "small.mp4", SMALL_PERSON_SCALE,
                             (info.width_px, info.height_px),
                             (info.width_px // 3, info.height_px // 2))
        follow = measure_follow_fps(small, repeats=repeats)
        pose = measure_pose_fps(small, repeats=repeats)
        report["small_follow_fps"], report["small_pose_fps"] = follow, pose
        report["extract_roi_to_pose_ratio"] = follow / pose
        long = repeat_recording(video, Path(folder) / f"long{video.suffix}",
                                LONG_RECORDING_TIMES)
        once, many = scan_peak_rss_mb(video), scan_peak_rss_mb(long)
    report["scan_peak_rss_mb"] = {"1x": once, f"{LONG_RECORDING_TIMES}x": many,
                                  "ratio": many / once}


def run_benchmark(video: Path, enrol_dir: Path, quick: bool = False) -> dict[str, Any]:
    """Measure every figure of the module docstring; return them as a dictionary."""
    from gait.pose.throughput import (
        measure_decode_fps,
        measure_extract_fps,
        measure_follow_fps,
        measure_pose_fps,
    )

    if not video.is_file():
        raise FileNotFoundError(f"{video}: benchmark video not found")
    if not (enrol_dir / "manifest.csv").is_file():
        raise FileNotFoundError(f"{enrol_dir}: no keypoint data set (manifest.csv) there")
    repeats = 1 if quick else 2
    report: dict[str, Any] = {"video": str(video), "enrol": str(enrol_dir)}
    report["decode_fps"] = measure_decode_fps(video, repeats=repeats)
    report["pose_fps"] = measure_pose_fps(video, repeats=repeats)
    report["follow_fps"] = measure_follow_fps(video, repeats=repeats)
    report["extract_fps"] = measure_extract_fps(video, repeats=repeats)
    report["follow_to_pose_ratio"] = report["follow_fps"] / report["pose_fps"]
    report["extract_to_pose_ratio"] = report["extract_fps"] / report["pose_fps"]
    _scan_and_small_person(video, repeats, report)

    started = time.perf_counter()
    tables = {view: load_table(enrol_dir, view) for view in ("side", "front")}
    report["features_all_enrol_s"] = time.perf_counter() - started
    report["n_enrol_cycles"] = {v: len(t.frame) for v, t in tables.items()}

    models = {}
    for view, table in tables.items():
        started = time.perf_counter()
        models[view] = train_identifier(table)
        report[f"train_s_{view}"] = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as cache_dir:
        started = time.perf_counter()
        result = _identify_video(video, models["side"], Path(cache_dir))
        report["identify_cold_s"] = time.perf_counter() - started
        started = time.perf_counter()
        _identify_video(video, models["side"], Path(cache_dir))
        report["identify_warm_s"] = time.perf_counter() - started
    report["identify_verdict"] = result.verdict
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    report["cpu_count"] = os.cpu_count()
    return report
