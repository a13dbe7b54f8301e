"""Several people at once: MediaPipe Pose trackers side by side on the same frames.

The legacy MediaPipe Pose solution follows one person. :class:`PeopleTracker` runs up to
``max_people`` of them on each frame: tracker ``k`` sees the frame with the people found by
trackers ``0 .. k-1`` painted over (convex hull of their landmarks, widened by
:data:`MASK_MARGIN`), so it finds someone else. A tracker that follows nobody only searches
every ``person_search_interval_s`` seconds, which keeps the cost of a one-person video close to
one tracker.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gait.media.landmarks import N_LANDMARKS
from gait.pose.settings import PoseSettings
from gait.pose.tracks import Detection, body_height_px

# A person found by one tracker is hidden from the next behind the convex hull of their
# landmarks, widened on every side by this fraction of their body height.
MASK_MARGIN = 0.12
MASK_GREY = 114


def landmarks_array(landmark_list: Any) -> np.ndarray:
    """(33, 4) float32 array of x, y, z, visibility from a MediaPipe landmark list."""
    return np.array(
        [(lm.x, lm.y, lm.z, lm.visibility) for lm in landmark_list.landmark], dtype=np.float32
    ).reshape(N_LANDMARKS, 4)


def mask_person(rgb: np.ndarray, xyzv: np.ndarray) -> None:
    """Paint over (in place) the convex hull of a person's landmarks, widened by a margin."""
    import cv2

    height, width = rgb.shape[:2]
    scaled = xyzv[:, :2].astype(np.float64) * np.array([width, height], dtype=np.float64)
    points = np.asarray(np.clip(scaled, -2 * width, 3 * width), dtype=np.int32)
    hull = cv2.convexHull(points)
    margin = max(2, int(MASK_MARGIN * body_height_px(xyzv, (width, height))))
    grey = (MASK_GREY, MASK_GREY, MASK_GREY)
    cv2.fillConvexPoly(rgb, hull, grey)
    cv2.polylines(rgb, [hull], isClosed=True, color=grey, thickness=2 * margin)


class PeopleTracker:
    """Up to ``max_people`` MediaPipe Pose trackers on the same frames (see module doc)."""

    def __init__(self, settings: PoseSettings, fps: float) -> None:
        import mediapipe as mp

        self.settings = settings
        self._poses = [
            mp.solutions.pose.Pose(
                static_image_mode=False,
                model_complexity=settings.model_complexity,
                smooth_landmarks=settings.smooth_landmarks,
                enable_segmentation=False,
                min_detection_confidence=settings.min_detection_confidence,
                min_tracking_confidence=settings.min_tracking_confidence,
            )
            for _ in range(settings.max_people)
        ]
        self._active = [False] * settings.max_people
        self._last_call_us = [-(10**15)] * settings.max_people
        self._search_interval_us = int(settings.person_search_interval_s * 1e6)

    def _run(self, slot: int, rgb: np.ndarray, time_us: int) -> Any:
        pose = self._poses[slot]
        # MediaPipe stamps frames as if the video were 30 fps; give it the real frame times
        # instead, so that its landmark filter works in real time at any frame rate.
        if hasattr(pose, "_simulated_timestamp"):
            pose._simulated_timestamp = time_us - 33333
        self._last_call_us[slot] = time_us
        return pose.process(rgb)

    def process(self, rgb: np.ndarray, timestamp_s: float) -> list[Detection]:
        """People found in one RGB frame (H, W, 3) uint8 shown at ``timestamp_s`` seconds."""
        found: list[Detection] = []
        image = rgb
        for slot in range(len(self._poses)):
            time_us = max(round(timestamp_s * 1e6), self._last_call_us[slot] + 1)
            # An extra tracker that follows nobody searches only now and then, and only
            # when the trackers before it found someone (else it would see the same frame).
            idle = slot > 0 and not self._active[slot]
            if idle and (
                not found or time_us - self._last_call_us[slot] < self._search_interval_us
            ):
                continue
            result = self._run(slot, image, time_us)
            if result.pose_landmarks is None:
                self._active[slot] = False
                continue
            self._active[slot] = True
            xyzv = landmarks_array(result.pose_landmarks)
            world = (
                landmarks_array(result.pose_world_landmarks)
                if result.pose_world_landmarks is not None
                else None
            )
            found.append(Detection(slot, xyzv, world))
            if slot + 1 < len(self._poses):
                if image is rgb:
                    image = rgb.copy()
                mask_person(image, xyzv)
        return found

    def close(self) -> None:
        for pose in self._poses:
            pose.close()

    def __enter__(self) -> PeopleTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
