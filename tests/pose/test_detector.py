"""Tests of gait.pose.detector: the anchors, tiles and suppression by known answers; people
found on real frames, whole and in tiles."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gait.media.video import iter_frames
from gait.pose.detector import (
    PersonBoxes,
    PersonDetector,
    non_max_suppression,
    overlap_matrices,
    square_tiles,
    ssd_anchor_centres,
    window_around,
)


def test_anchors_match_mediapipes_layout() -> None:
    anchors = ssd_anchor_centres()
    assert anchors.shape == (2254, 2)  # 28x28x2 + 14x14x2 + 7x7x6, as the model's output
    assert anchors.min() > 0 and anchors.max() < 1
    np.testing.assert_allclose(anchors[0], [0.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(anchors[-1], [6.5 / 7, 6.5 / 7])


@given(st.integers(100, 4000), st.integers(100, 4000), st.integers(64, 2000))
@settings(max_examples=60, deadline=None)
def test_tiles_cover_the_frame_and_stay_inside_it(width: int, height: int, side: int) -> None:
    tiles = square_tiles(width, height, side)
    covered = np.zeros((height, width), dtype=bool)
    for x0, y0, s in tiles:
        assert s == min(side, width, height)
        assert 0 <= x0 <= width - s and 0 <= y0 <= height - s
        covered[y0:y0 + s, x0:x0 + s] = True
    assert covered.all()


def test_window_around_is_shifted_inside_the_frame() -> None:
    assert window_around(np.array([5.0, 5.0]), 100, 640, 480) == (0, 0, 100)
    assert window_around(np.array([635.0, 470.0]), 100, 640, 480) == (540, 380, 100)
    assert window_around(np.array([320.0, 240.0]), 2000, 640, 480) == (80, 0, 480)


def test_overlaps_and_suppression_known_answers() -> None:
    a = np.array([[0.0, 0.0, 10.0, 10.0]])
    b = np.array([[5.0, 0.0, 15.0, 10.0], [2.0, 2.0, 4.0, 4.0], [20.0, 20.0, 30.0, 30.0]])
    iou, inside = overlap_matrices(a, b)
    np.testing.assert_allclose(iou, [[50 / 150, 4 / 100, 0.0]])
    np.testing.assert_allclose(inside, [[0.5, 1.0, 0.0]])
    people = PersonBoxes(np.array([[5.0, 5.0], [6.0, 5.0], [5.0, 6.0], [40.0, 40.0]]),
                         np.array([5.0, 5.0, 1.0, 5.0]), np.array([0.9, 0.95, 0.99, 0.5]))
    kept = non_max_suppression(people)
    # The second suppresses the first (same place, more confident); the small box inside it
    # goes even though it is the most confident (part of a person); the far one stays.
    np.testing.assert_array_equal(kept.score, [0.95, 0.5])


@pytest.fixture(scope="module")
def walk_frame(shared_videos: Path) -> np.ndarray:
    with iter_frames(shared_videos / "side_walk_1080p.mp4") as stream:
        for frame in stream:
            if frame.frame_index == 60:
                return frame.rgb
    raise AssertionError("frame 60 not found")


@pytest.fixture(scope="module")
def detector() -> PersonDetector:
    return PersonDetector()


def test_the_walker_is_found_on_the_whole_frame(walk_frame: np.ndarray,
                                                detector: PersonDetector) -> None:
    found = detector.detect(walk_frame)
    assert len(found) == 1
    assert 500 < 2 * found.radius_px[0] < 750  # he is about 600 px tall in this 1080p frame
    assert found.score[0] > 0.9
    assert len(detector.detect(np.full_like(walk_frame, 90))) == 0


def test_a_tenth_of_the_frame_is_found_only_in_tiles(walk_frame: np.ndarray,
                                                     detector: PersonDetector) -> None:
    whole = detector.detect(walk_frame)
    scale = 108.0 / (2 * whole.radius_px[0])  # a tenth of the 1080-px frame height
    small = cv2.resize(walk_frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full_like(walk_frame, 60)
    canvas[700:700 + small.shape[0], 1200:1200 + small.shape[1]] = small
    truth = whole.hip_px[0] * scale + [1200, 700]
    assert len(detector.detect(canvas)) == 0
    tiles = square_tiles(1920, 1080, 360)
    found = non_max_suppression(PersonBoxes.concatenate(detector.detect_windows(canvas, tiles)))
    assert len(found) == 1
    assert np.hypot(*(found.hip_px[0] - truth)) < 0.15 * 108
    assert 0.7 < 2 * found.radius_px[0] / 108 < 1.4
