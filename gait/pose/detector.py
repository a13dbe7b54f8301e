"""Finding people at any size: MediaPipe's own person detector on the frame and on square tiles.

The pose model finds a person only when they fill a good part of the image it is given: it
squeezes the whole frame into the detector's 224 x 224 px input, where a walker a fifth of a
portrait phone frame tall is a few pixels high. :class:`PersonDetector` runs the same detector
that MediaPipe Pose starts from (BlazePose's ``pose_detection.tflite``, inside the mediapipe
wheel) directly, on the whole frame and on overlapping square tiles cut at several sizes, so
that a small person fills a good part of one tile; what the tiles find is mapped back to the
frame and merged by non-maximum suppression (:func:`non_max_suppression`).

The detector does not box the whole body: it gives the mid-hip point and a second point whose
distance from it is the radius of the circle around the whole person (MediaPipe turns the two
into the region its landmark model looks at). :class:`PersonBoxes` keeps both, in frame pixels,
with the square box of that circle.

Decoding follows MediaPipe's graph for this model (``pose_detection_cpu.pbtxt``): 2254 SSD
anchors on feature maps of strides 8, 16, 32, 32, 32 (fixed anchor size), raw boxes and
keypoints scaled by 224, sigmoid scores, letterboxed input scaled to [-1, 1].
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DETECTOR_FILE = "modules/pose_detection/pose_detection.tflite"
INPUT_PX = 224
_STRIDES = (8, 16, 32, 32, 32)
_ANCHORS_PER_CELL = 2
_LOGIT_CLIP = 100.0
# Tiles overlap by this share of their side, so a person cut by one tile is whole in the next.
TILE_OVERLAP = 0.4
NMS_IOU = 0.3
NMS_INSIDE = 0.7
NMS_INSIDE_SCORE_RATIO = 0.9


def detector_model_path() -> Path:
    """The detector model inside the installed mediapipe package (never downloaded)."""
    spec = importlib.util.find_spec("mediapipe")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / DETECTOR_FILE
        if path.is_file():
            return path
    raise FileNotFoundError(f"the installed mediapipe package has no {DETECTOR_FILE}")


def ssd_anchor_centres() -> np.ndarray:
    """Anchor centres of the detector, shape (2254, 2), as (x, y) in [0, 1] of its input."""
    centres = []
    layer = 0
    while layer < len(_STRIDES):
        stride = _STRIDES[layer]
        repeats = 0  # consecutive layers of one stride share a feature map
        while layer < len(_STRIDES) and _STRIDES[layer] == stride:
            repeats += 1
            layer += 1
        cells = int(np.ceil(INPUT_PX / stride))
        y, x = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(x.ravel() + 0.5) / cells, (y.ravel() + 0.5) / cells], axis=1)
        centres.append(np.repeat(grid, _ANCHORS_PER_CELL * repeats, axis=0))
    return np.vstack(centres)


@dataclass(frozen=True)
class PersonBoxes:
    """People found in one frame (arrays of one row per person, frame pixels).

    Attributes
    ----------
    hip_px : ndarray, shape (n, 2)
        Mid-hip point (x, y).
    radius_px : ndarray, shape (n,)
        Radius of the circle around the whole person, centred on the mid-hip point; the
        person's standing height is about this diameter.
    score : ndarray, shape (n,)
        Detector confidence in [0, 1].
    """

    hip_px: np.ndarray
    radius_px: np.ndarray
    score: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.score)
        if self.hip_px.shape != (n, 2) or self.radius_px.shape != (n,):
            raise ValueError("PersonBoxes arrays must have one row per person")

    @classmethod
    def empty(cls) -> PersonBoxes:
        """No person."""
        return cls(np.zeros((0, 2)), np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return len(self.score)

    @property
    def boxes_xyxy(self) -> np.ndarray:
        """Square boxes of the body circles, shape (n, 4): x0, y0, x1, y1 in pixels."""
        r = self.radius_px[:, None]
        return np.hstack([self.hip_px - r, self.hip_px + r])

    def select(self, keep: np.ndarray) -> PersonBoxes:
        """The people at the rows (or where the mask is true) of ``keep``."""
        return PersonBoxes(self.hip_px[keep], self.radius_px[keep], self.score[keep])

    @classmethod
    def concatenate(cls, parts: list[PersonBoxes]) -> PersonBoxes:
        """All people of several parts, in order."""
        if not parts:
            return cls.empty()
        return cls(np.vstack([p.hip_px for p in parts]),
                   np.concatenate([p.radius_px for p in parts]),
                   np.concatenate([p.score for p in parts]))


def overlap_matrices(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlap of every box of ``a`` (n, 4) with every box of ``b`` (m, 4), as x0, y0, x1, y1.

    Returns
    -------
    iou : ndarray, shape (n, m)
        Intersection over union.
    inside : ndarray, shape (n, m)
        Intersection over the smaller box's area (1: one box lies within the other).
    """
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    smaller = np.minimum(area_a[:, None], area_b[None, :])
    return (np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0),
            np.where(smaller > 0, inter / np.maximum(smaller, 1e-12), 0.0))


def non_max_suppression(people: PersonBoxes, iou: float = NMS_IOU,
                        inside: float = NMS_INSIDE) -> PersonBoxes:
    """Keep the most confident of every group of boxes that overlap by more than ``iou``; then
    drop a box that lies mostly (``inside``) within a larger one kept with nearly its
    confidence (:data:`NMS_INSIDE_SCORE_RATIO`): a tile that cuts a person gives a detection of
    the part it holds (the legs, say), inside the whole person."""
    order = np.argsort(-people.score, kind="stable")
    boxes = people.boxes_xyxy
    keep: list[int] = []
    for i in order:
        if not keep or overlap_matrices(boxes[[i]], boxes[keep])[0].max() <= iou:
            keep.append(int(i))
    by_size = sorted(keep, key=lambda k: -people.radius_px[k])
    whole: list[int] = []
    for i in by_size:
        if whole:
            within = overlap_matrices(boxes[[i]], boxes[whole])[1][0]
            sure = people.score[whole] >= NMS_INSIDE_SCORE_RATIO * people.score[i]
            if (within[sure] > inside).any():
                continue
        whole.append(i)
    return people.select(np.array(sorted(whole, key=lambda k: keep.index(k)), dtype=int))


def square_tiles(width_px: int, height_px: int, side_px: int,
                 overlap: float = TILE_OVERLAP) -> list[tuple[int, int, int]]:
    """Overlapping square tiles covering a frame: (x0, y0, side) in pixels.

    Tiles of ``side_px`` (at most the frame's shorter side) step by ``(1 - overlap) * side``
    and the last one in each direction ends at the frame's edge.
    """
    side = int(min(side_px, width_px, height_px))
    step = max(1, round(side * (1.0 - overlap)))

    def starts(length: int) -> list[int]:
        if length <= side:
            return [0]
        values = list(range(0, length - side, step))
        return [*values, length - side]

    return [(x, y, side) for y in starts(height_px) for x in starts(width_px)]


class PersonDetector:
    """MediaPipe's BlazePose person detector, run directly on images and tiles.

    Parameters
    ----------
    min_score : float
        Lowest detector confidence kept, in [0, 1] (MediaPipe's own is 0.5).
    num_threads : int
        Threads of the TensorFlow Lite interpreter.
    """

    def __init__(self, min_score: float = 0.5, num_threads: int | None = None) -> None:
        if not 0.0 < min_score < 1.0:
            raise ValueError(f"min_score must lie in (0, 1), got {min_score}")
        self.min_score = float(min_score)
        self._threads = num_threads or min(2, os.cpu_count() or 1)
        self._anchors = ssd_anchor_centres()
        self._interpreter: Any = None
        self._input = self._boxes = self._scores = 0

    def _ensure(self) -> Any:
        if self._interpreter is None:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tf.lite's deprecation notice
                import tensorflow as tf

                self._interpreter = tf.lite.Interpreter(
                    model_path=str(detector_model_path()), num_threads=self._threads)
            self._interpreter.allocate_tensors()
            self._input = self._interpreter.get_input_details()[0]["index"]
            outputs = self._interpreter.get_output_details()
            self._boxes = next(d["index"] for d in outputs if d["shape"][-1] == 12)
            self._scores = next(d["index"] for d in outputs if d["shape"][-1] == 1)
        return self._interpreter

    def _infer(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw boxes (2254, 12) and score logits (2254,) of one input (224, 224, 3) uint8.

        One image at a time: the model's graph mixes the images of a larger batch.
        """
        interpreter = self._ensure()
        interpreter.set_tensor(self._input, (image[None].astype(np.float32) / 127.5 - 1.0))
        interpreter.invoke()
        return (interpreter.get_tensor(self._boxes)[0].astype(np.float64),
                interpreter.get_tensor(self._scores)[0, :, 0].astype(np.float64))

    def _decode(self, raw_boxes: np.ndarray, raw_scores: np.ndarray) -> PersonBoxes:
        """People in one input, in its own normalised [0, 1] coordinates."""
        scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores, -_LOGIT_CLIP, _LOGIT_CLIP)))
        keep = scores >= self.min_score
        if not keep.any():
            return PersonBoxes.empty()
        raw, anchors = raw_boxes[keep], self._anchors[keep]
        hip = raw[:, 4:6] / INPUT_PX + anchors
        full_body = raw[:, 6:8] / INPUT_PX + anchors
        radius = np.hypot(*(full_body - hip).T)
        return non_max_suppression(PersonBoxes(hip, radius, scores[keep]))

    def detect_squares(self, images: list[np.ndarray]) -> list[PersonBoxes]:
        """People in square RGB images (each resized to the input), in [0, 1] of each image."""
        import cv2

        found = []
        for img in images:
            interpolation = cv2.INTER_AREA if img.shape[0] > INPUT_PX else cv2.INTER_LINEAR
            found.append(self._decode(*self._infer(
                cv2.resize(img, (INPUT_PX, INPUT_PX), interpolation=interpolation))))
        return found

    def detect(self, rgb: np.ndarray) -> PersonBoxes:
        """People in a whole RGB frame (H, W, 3) uint8, letterboxed into a square as MediaPipe
        does; in frame pixels."""
        import cv2

        height, width = rgb.shape[:2]
        side = max(height, width)
        scale = INPUT_PX / side
        small = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))),
                           interpolation=cv2.INTER_AREA)
        letterboxed = np.zeros((INPUT_PX, INPUT_PX, 3), dtype=np.uint8)
        top, left = (INPUT_PX - small.shape[0]) // 2, (INPUT_PX - small.shape[1]) // 2
        letterboxed[top:top + small.shape[0], left:left + small.shape[1]] = small
        found = self.detect_squares([letterboxed])[0]
        return PersonBoxes(found.hip_px * side - np.array([left, top]) / scale,
                           found.radius_px * side, found.score)

    def detect_windows(self, rgb: np.ndarray, windows: list[tuple[int, int, int]]
                       ) -> list[PersonBoxes]:
        """People in square windows of a frame, in frame pixels (one result per window).

        Parameters
        ----------
        rgb : ndarray, shape (height, width, 3), uint8
        windows : list of (x0, y0, side)
            Squares inside the frame, pixels (see :func:`square_tiles`, :func:`window_around`).
        """
        images = [rgb[y0:y0 + s, x0:x0 + s] for x0, y0, s in windows]
        return [PersonBoxes(found.hip_px * s + np.array([x0, y0]), found.radius_px * s,
                            found.score)
                for (x0, y0, s), found in zip(windows, self.detect_squares(images),
                                              strict=True)]


def window_around(centre_px: np.ndarray, side_px: float, width_px: int,
                  height_px: int) -> tuple[int, int, int]:
    """The square window of about ``side_px`` centred on ``centre_px`` (x, y), shifted inside a
    frame of ``width_px`` x ``height_px`` and cut to its shorter side: (x0, y0, side)."""
    side = int(max(16, min(side_px, width_px, height_px)))
    x0 = int(np.clip(round(float(centre_px[0]) - side / 2), 0, width_px - side))
    y0 = int(np.clip(round(float(centre_px[1]) - side / 2), 0, height_px - side))
    return x0, y0, side
