"""Tests of gait.pose.tracking: people linked across frames, walking segments by known answers."""

from __future__ import annotations

import numpy as np
import pytest

from gait.pose.detector import PersonBoxes
from gait.pose.tracking import MIN_WALK_S, PersonTrack, PersonTracker


def _boxes(*people: tuple[float, float, float]) -> PersonBoxes:
    hips = np.array([[x, y] for x, y, _ in people], dtype=float).reshape(-1, 2)
    return PersonBoxes(hips, np.array([r for *_, r in people], dtype=float),
                       np.full(len(people), 0.9))


def _track(times: np.ndarray, x: np.ndarray, y: np.ndarray | float = 500.0,
           radius: np.ndarray | float = 100.0) -> PersonTrack:
    n = len(times)
    return PersonTrack(1, times, np.column_stack([np.broadcast_to(x, n), np.broadcast_to(y, n)]),
                       np.broadcast_to(np.asarray(radius, float), n).copy(), np.full(n, 0.9))


def test_two_people_who_cross_keep_their_tracks() -> None:
    tracker = PersonTracker()
    times = np.arange(0, 4, 0.2)
    for t in times:
        # One walks right, the other left, at different heights in the picture (sizes alike).
        a = (100 + 300 * t, 400.0, 100.0)
        b = (1300 - 300 * t, 600.0, 95.0)
        found = [a, b] if int(t * 5) % 2 else [b, a]  # order of detections changes
        tracker.update(float(t), _boxes(*found))
    tracks = tracker.tracks()
    assert len(tracks) == 2
    for track in tracks:
        dx = np.diff(track.hip_px[:, 0])
        assert (dx > 0).all() or (dx < 0).all()
        assert len(track.times_s) == len(times)


def test_a_person_lost_for_a_moment_is_reacquired_and_a_long_gap_ends_the_track() -> None:
    tracker = PersonTracker(max_gap_s=1.5)
    for t in np.arange(0, 2, 0.2):
        tracker.update(float(t), _boxes((100 + 200 * t, 500, 100)))
    for t in np.arange(2, 2.8, 0.2):
        tracker.update(float(t), _boxes())  # missed for 0.8 s
    for t in np.arange(2.8, 4, 0.2):
        tracker.update(float(t), _boxes((100 + 200 * t, 500, 100)))
    for t in np.arange(4, 6, 0.2):
        tracker.update(float(t), _boxes())  # gone for 2 s
    for t in np.arange(6, 7, 0.2):
        tracker.update(float(t), _boxes((100 + 200 * t, 500, 100)))
    starts = [round(t.start_s, 1) for t in tracker.tracks()]
    assert starts == [0.0, 6.0]


def test_far_jumps_and_size_changes_start_new_tracks() -> None:
    tracker = PersonTracker()
    for t in np.arange(0, 1, 0.2):
        tracker.update(float(t), _boxes((500, 500, 100)))
    tracker.update(1.0, _boxes((1500, 500, 100), (500, 500, 300)))
    ids = tracker.update(1.2, _boxes((1500, 500, 100), (500, 500, 300)))
    assert 1 not in ids  # neither is the first person: one too far, one three times the size


@pytest.mark.parametrize(("speed_bh_per_s", "walks"), [(0.6, True), (1.5, True), (0.1, False)])
def test_steady_sideways_travel_walks(speed_bh_per_s: float, walks: bool) -> None:
    times = np.arange(0, 5, 0.2)
    track = _track(times, 200 + speed_bh_per_s * 200 * times)  # body height 200 px
    segments = track.walking_segments()
    if walks:
        assert len(segments) == 1
        assert segments[0].start_s == 0.0 and segments[0].end_s == pytest.approx(4.8)
    else:
        assert segments == []


def test_walking_towards_the_camera_walks_by_the_change_of_size() -> None:
    times = np.arange(0, 4, 0.2)
    radius = 50.0 * np.exp(0.25 * times)  # growing by a quarter a second, on the spot
    assert len(_track(times, 600.0, 500.0, radius).walking_segments()) == 1


def test_jumping_on_the_spot_and_turning_back() -> None:
    times = np.arange(0, 6, 0.2)
    jumping = _track(times, 600 + 10 * np.sin(7 * times), 500 + 150 * np.abs(np.sin(3 * times)))
    assert jumping.walking_segments() == []
    # Three seconds to the right, three back: two walks, cut at the turn.
    x = np.where(times < 3, 200 + 150 * times, 650 - 150 * (times - 3))
    back = _track(times, x).walking_segments()
    assert len(back) == 2
    assert back[0].end_s == pytest.approx(3.0, abs=0.25) and back[1].end_s == pytest.approx(5.8)
    assert all(w.duration_s >= MIN_WALK_S for w in back)


def test_a_track_is_where_its_samples_say_between_them() -> None:
    track = _track(np.array([0.0, 1.0]), np.array([100.0, 300.0]), 500.0,
                   np.array([50.0, 70.0]))
    hip, radius = track.at(0.25)
    np.testing.assert_allclose(hip, [150.0, 500.0])
    assert radius == pytest.approx(55.0)
    assert track.at(5.0)[1] == 70.0  # held at the end
    assert track.median_height_px == 120.0
    assert track.distance_body_heights() == pytest.approx(200.0 / 120.0)
