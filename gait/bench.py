"""``python -m gait bench``: speed and memory, measured in one run.

Figures (keys of the JSON report):

* ``decode_fps``, ``pose_fps``, ``extract_fps``: frames per second of decoding alone, of the
  pose model alone on pre-decoded frames, and of the whole extraction, on one real clip;
  ``extract_to_pose_ratio`` = extract_fps / pose_fps (goal >= 0.9: decoding hides behind
  inference);
* ``features_all_enrol_s``: every enrolment clip from keypoints to per-cycle feature vectors;
* ``train_s_side``, ``train_s_front``: training with open-set calibration, per view;
* ``identify_cold_s``: a video never seen (keypoints extracted) to a verdict;
  ``identify_warm_s``: the same clip again (cached keypoints), model already loaded;
* ``peak_rss_mb``: the process's peak resident memory.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from gait.identification.identify import identify_table, train_identifier
from gait.identification.model import GaitModel
from gait.walk.cycles import analyse_gait
from gait.walk.features import FeatureTable, analysis_features, load_table


def _identify_video(video: Path, model: GaitModel, cache_dir: Path) -> Any:
    from gait.pose.cache import KeypointCache

    sequence = KeypointCache(cache_dir).get_or_extract(video)
    analysis = analyse_gait(sequence, model.view)
    table = FeatureTable(model.view, analysis_features(analysis, clip_id=video.stem))
    return identify_table(model, table, analysis.insufficient_reason)


def run_benchmark(video: Path, enrol_dir: Path, quick: bool = False) -> dict[str, Any]:
    """Measure every figure of the module docstring; return them as a dictionary."""
    from gait.pose.throughput import measure_decode_fps, measure_extract_fps, measure_pose_fps

    if not video.is_file():
        raise FileNotFoundError(f"{video}: benchmark video not found")
    if not (enrol_dir / "manifest.csv").is_file():
        raise FileNotFoundError(f"{enrol_dir}: no keypoint data set (manifest.csv) there")
    repeats = 1 if quick else 2
    report: dict[str, Any] = {"video": str(video), "enrol": str(enrol_dir)}
    report["decode_fps"] = measure_decode_fps(video, repeats=repeats)
    report["pose_fps"] = measure_pose_fps(video, repeats=repeats)
    report["extract_fps"] = measure_extract_fps(video, repeats=repeats)
    report["extract_to_pose_ratio"] = report["extract_fps"] / report["pose_fps"]

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
