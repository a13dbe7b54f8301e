"""Landmarks of one chosen person, at any size: MediaPipe Pose on a square region around them.

MediaPipe's legacy Pose solution follows the most prominent person of the image it is given,
and finds a person only when they fill a good part of it. :class:`RegionFollower` gives it,
frame after frame, a square region of the frame centred on where the chosen person is expected
(from the scan's track between its samples, else from their last pose) and
:data:`REGION_RADII` body radii on a side, resampled to between :data:`MIN_REGION_PX` and
:data:`MAX_REGION_PX` pixels: a person 100 px tall in a 4K frame fills the region as one who
fills the frame does. Landmarks are mapped back to the full frame's normalised coordinates
(x, y by the region's place and size; z, which MediaPipe scales like x, by the region's
width; visibility unchanged; world landmarks are in metres and need nothing).

A pose whose hips lie far from where the chosen person is expected belongs to someone else
who came into the region: it is dropped, and MediaPipe's tracker restarted on the next frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gait.media.landmarks import L_HIP, N_LANDMARKS, R_HIP
from gait.pose.settings import PoseSettings

REGION_RADII = 3.2
MIN_REGION_PX = 256
MAX_REGION_PX = 512
REGION_GREY = 114
# A pose whose mid-hip point is farther than this many body heights from the expected place is
# someone else's.
MAX_OFFSET_BODY_HEIGHTS = 0.6


@dataclass(frozen=True)
class Region:
    """A square region of a frame: top-left corner and side in frame pixels (may overlap the
    frame's edges), and the side in pixels it is resampled to."""

    x0: float
    y0: float
    side_px: float
    image_px: int

    @classmethod
    def around(cls, centre_px: np.ndarray, radius_px: float) -> Region:
        """The region centred on ``centre_px`` (x, y) for a person of body radius ``radius_px``."""
        side = max(REGION_RADII * float(radius_px), 16.0)
        image = int(np.clip(round(side), MIN_REGION_PX, MAX_REGION_PX))
        return cls(float(centre_px[0]) - side / 2, float(centre_px[1]) - side / 2, side, image)

    def cut(self, rgb: np.ndarray) -> np.ndarray:
        """The region of an RGB frame, resampled to ``image_px`` square (grey outside)."""
        import cv2

        scale = self.image_px / self.side_px
        # Affine map frame -> region image: shift by the corner, scale to the image size.
        matrix = np.array([[scale, 0.0, -self.x0 * scale], [0.0, scale, -self.y0 * scale]])
        flags = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
        return cv2.warpAffine(rgb, matrix, (self.image_px, self.image_px), flags=flags,
                              borderMode=cv2.BORDER_CONSTANT,
                              borderValue=(REGION_GREY, REGION_GREY, REGION_GREY))

    def to_frame(self, xyzv: np.ndarray, frame_size_px: tuple[int, int]) -> np.ndarray:
        """Landmarks (33, 4) normalised to the region -> normalised to the whole frame."""
        width, height = frame_size_px
        out = np.array(xyzv, dtype=np.float32, copy=True)
        out[:, 0] = (self.x0 + xyzv[:, 0] * self.side_px) / width
        out[:, 1] = (self.y0 + xyzv[:, 1] * self.side_px) / height
        out[:, 2] = xyzv[:, 2] * self.side_px / width
        return out


def landmarks_array(landmark_list: Any) -> np.ndarray:
    """(33, 4) float32 array of x, y, z, visibility from a MediaPipe landmark list."""
    return np.array(
        [(lm.x, lm.y, lm.z, lm.visibility) for lm in landmark_list.landmark], dtype=np.float32
    ).reshape(N_LANDMARKS, 4)


class RegionFollower:
    """MediaPipe Pose on a region around one person, frame after frame (see the module doc).

    Parameters
    ----------
    settings : PoseSettings
    """

    def __init__(self, settings: PoseSettings) -> None:
        self.settings = settings
        self._pose: Any = None
        self._last_call_us = -(10**15)
        self.n_resets = 0

    def _new_pose(self) -> Any:
        import mediapipe as mp

        s = self.settings
        return mp.solutions.pose.Pose(
            static_image_mode=False, model_complexity=s.model_complexity,
            smooth_landmarks=s.smooth_landmarks, enable_segmentation=False,
            min_detection_confidence=s.min_detection_confidence,
            min_tracking_confidence=s.min_tracking_confidence)

    def reset(self) -> None:
        """Forget the person followed (MediaPipe starts again with a detection)."""
        if self._pose is not None:
            self._pose.close()
            self._pose = None
            self.n_resets += 1

    def process(self, image: np.ndarray, timestamp_s: float) -> tuple[np.ndarray,
                                                                     np.ndarray | None] | None:
        """Landmarks of the person in a region image, normalised to it, or None.

        Returns
        -------
        (xyzv, world_xyzv) or None
            ``xyzv`` of shape (33, 4) in the region's normalised coordinates; ``world_xyzv``
            of shape (33, 4) in metres, or None.
        """
        if self._pose is None:
            self._pose = self._new_pose()
        # MediaPipe stamps frames as if the video were 30 fps; give it the real frame times,
        # so that its landmark filter works in real time at any frame rate.
        time_us = max(round(timestamp_s * 1e6), self._last_call_us + 1)
        if hasattr(self._pose, "_simulated_timestamp"):
            self._pose._simulated_timestamp = time_us - 33333
        self._last_call_us = time_us
        result = self._pose.process(image)
        if result.pose_landmarks is None:
            return None
        world = (landmarks_array(result.pose_world_landmarks)
                 if result.pose_world_landmarks is not None else None)
        return landmarks_array(result.pose_landmarks), world

    def follow(self, rgb: np.ndarray, timestamp_s: float, centre_px: np.ndarray,
               radius_px: float, expected_px: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Landmarks of the person expected at ``centre_px`` with body radius ``radius_px``.

        Parameters
        ----------
        rgb : ndarray, shape (height, width, 3), uint8
            The whole frame.
        timestamp_s : float
        centre_px : ndarray, shape (2,)
            Where the person's mid-hip point is expected, frame pixels.
        radius_px : float
            Their expected body radius (half their height), pixels.
        expected_px : ndarray, shape (2,), optional
            Where the chosen person's mid-hip point should be (default ``centre_px``): a pose
            farther from it is someone else's.

        Returns
        -------
        (xyzv, world_xyzv) or None
            Landmarks normalised to the whole frame, shape (33, 4), and world landmarks or
            None; None when the person is not found (or someone else was).
        """
        height, width = rgb.shape[:2]
        region = Region.around(centre_px, radius_px)
        found = self.process(region.cut(rgb), timestamp_s)
        if found is None:
            return None
        xyzv = region.to_frame(found[0], (width, height))
        hip = xyzv[[L_HIP, R_HIP], :2].mean(axis=0) * np.array([width, height])
        expected = centre_px if expected_px is None else expected_px
        if np.hypot(*(hip - expected)) > MAX_OFFSET_BODY_HEIGHTS * 2.0 * radius_px:
            self.reset()  # someone else: start again on the next frame
            return None
        return xyzv, found[1]

    def close(self) -> None:
        """Free MediaPipe's graph."""
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def __enter__(self) -> RegionFollower:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
