"""Throughput measurements (frames per second) for ``python -m gait bench``.

Three numbers on the same video and settings:

* :func:`measure_decode_fps` - decoding to upright RGB only (background thread included);
* :func:`measure_pose_fps` - the pose stage alone (all trackers, person masking, landmark
  conversion) on frames decoded into memory beforehand;
* :func:`measure_extract_fps` - :func:`gait.pose.extraction.extract_keypoints` end to end, decoding
  overlapped with inference.

Their ratio ``extract / pose`` tells how well decoding hides behind inference (1.0 = fully).
Timings on a shared machine vary: each function returns the best of ``repeats`` runs.
"""

from __future__ import annotations

import os
import time

from gait.media.video import iter_frames, probe_video
from gait.pose.extraction import extract_keypoints, run_pose
from gait.pose.settings import PoseSettings


def _import_mediapipe() -> None:
    """Import mediapipe (several seconds the first time) before any clock starts."""
    import mediapipe  # noqa: F401


def measure_decode_fps(
    video_path: str | os.PathLike[str],
    settings: PoseSettings | None = None,
    repeats: int = 1,
) -> float:
    """Frames per second of decoding to upright RGB at the size the pose stage gets."""
    settings = settings or PoseSettings()
    best = 0.0
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        n = 0
        with iter_frames(video_path, max_width_px=settings.max_width_px) as frames:
            for _frame in frames:
                n += 1
        best = max(best, n / (time.perf_counter() - start))
    return best


def measure_pose_fps(
    video_path: str | os.PathLike[str],
    settings: PoseSettings | None = None,
    repeats: int = 1,
    max_frames: int = 300,
) -> float:
    """Frames per second of the pose stage alone, on frames decoded beforehand.

    At most ``max_frames`` frames are held in memory (300 1080p frames take 1.9 GB).
    """
    settings = settings or PoseSettings()
    fps = probe_video(video_path).fps
    frames = []
    with iter_frames(video_path, max_width_px=settings.max_width_px) as stream:
        for frame in stream:
            frames.append(frame)
            if len(frames) >= max_frames:
                break
    _import_mediapipe()
    best = 0.0
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        run_pose(frames, settings, fps)
        best = max(best, len(frames) / (time.perf_counter() - start))
    return best


def measure_extract_fps(
    video_path: str | os.PathLike[str],
    settings: PoseSettings | None = None,
    repeats: int = 1,
) -> float:
    """Frames per second of :func:`~gait.pose.extraction.extract_keypoints` (no overlay)."""
    settings = settings or PoseSettings()
    _import_mediapipe()
    best = 0.0
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        sequence = extract_keypoints(video_path, settings)
        best = max(best, sequence.n_frames / (time.perf_counter() - start))
    return best
