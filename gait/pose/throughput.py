"""Throughput measurements for ``python -m gait bench``.

On the same video and settings:

* :func:`measure_decode_fps` - decoding to upright RGB only (background thread included);
* :func:`measure_scan_x_realtime` - seconds of the recording scanned for people and walks
  (:func:`gait.pose.scan.scan_recording`) per second of wall time;
* :func:`measure_pose_fps` - the pose model alone, on the regions around the walker cut from
  frames decoded into memory beforehand;
* :func:`measure_follow_fps` - following the walker end to end: decoding, cutting the region
  and the pose model, decoding overlapped with inference;
* :func:`measure_extract_fps` - :func:`gait.pose.extraction.extract_keypoints` end to end,
  the scan included.

The ratio ``follow / pose`` tells how well decoding and region cutting hide behind inference
(1.0 = fully). Timings on a shared machine vary: each function returns the best of
``repeats`` runs.
"""

from __future__ import annotations

import os
import time

from gait.media.video import FrameSelection, iter_frames
from gait.pose.extraction import ChosenWalk, choose_walk, extract_keypoints, follow_person
from gait.pose.roi import Region, RegionFollower
from gait.pose.scan import RecordingScan, ScanSettings, scan_recording
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


def measure_scan_x_realtime(
    video_path: str | os.PathLike[str],
    settings: ScanSettings | None = None,
    repeats: int = 1,
) -> tuple[float, RecordingScan]:
    """Seconds of recording scanned per second of wall time, and the scan."""
    best, scan = 0.0, None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        scan = scan_recording(video_path, settings)
        best = max(best, scan.duration_s / (time.perf_counter() - start))
    assert scan is not None
    return best, scan


def _walk(video_path: str | os.PathLike[str], scan: RecordingScan | None) -> ChosenWalk:
    return choose_walk(scan or scan_recording(video_path))


def measure_pose_fps(
    video_path: str | os.PathLike[str],
    settings: PoseSettings | None = None,
    repeats: int = 1,
    max_frames: int = 300,
    scan: RecordingScan | None = None,
) -> float:
    """Frames per second of the pose model alone, on regions cut beforehand.

    The regions are those :func:`measure_follow_fps` gives the model (around the scan's
    track of the walker); at most ``max_frames`` are held in memory.
    """
    settings = settings or PoseSettings()
    walk = _walk(video_path, scan)
    regions = []
    with iter_frames(video_path, max_width_px=settings.max_width_px,
                     frames=FrameSelection(walk.start_s, walk.end_s)) as stream:
        scale = stream.size_px[0] / stream.info.width_px
        for frame in stream:
            centre, radius = walk.track.track.at(frame.timestamp_s)
            region = Region.around(centre * scale, radius * scale)
            regions.append((frame.timestamp_s, region.cut(frame.rgb)))
            if len(regions) >= max_frames:
                break
    _import_mediapipe()
    best = 0.0
    for _ in range(max(1, repeats)):
        with RegionFollower(settings) as follower:
            follower.process(regions[0][1], regions[0][0])  # the graph is built outside the clock
            follower.reset()
            start = time.perf_counter()
            for timestamp_s, image in regions:
                follower.process(image, timestamp_s)
            best = max(best, len(regions) / (time.perf_counter() - start))
    return best


def measure_follow_fps(
    video_path: str | os.PathLike[str],
    settings: PoseSettings | None = None,
    repeats: int = 1,
    scan: RecordingScan | None = None,
) -> float:
    """Frames per second of following the walker end to end (decode, region, pose)."""
    settings = settings or PoseSettings()
    walk = _walk(video_path, scan)
    _import_mediapipe()
    best = 0.0
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        with iter_frames(video_path, max_width_px=settings.max_width_px,
                         frames=FrameSelection(walk.start_s, walk.end_s)) as stream:
            scale = stream.size_px[0] / stream.info.width_px
            _, _, index = follow_person(stream, walk.track, settings, scale)
        best = max(best, len(index) / (time.perf_counter() - start))
    return best


def measure_extract_fps(
    video_path: str | os.PathLike[str],
    settings: PoseSettings | None = None,
    repeats: int = 1,
) -> float:
    """Frames per second of :func:`~gait.pose.extraction.extract_keypoints` (scan included,
    no overlay)."""
    settings = settings or PoseSettings()
    _import_mediapipe()
    best = 0.0
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        sequence = extract_keypoints(video_path, settings)
        best = max(best, sequence.n_frames / (time.perf_counter() - start))
    return best
