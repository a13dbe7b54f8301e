"""How landmarks are extracted: the pose settings, every field part of the keypoint cache key."""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Model file of each model complexity inside the mediapipe package. mediapipe *downloads* a
# missing one at run time, which this product must never do: such settings are refused.
MODEL_FILES = {
    0: "modules/pose_landmark/pose_landmark_lite.tflite",
    1: "modules/pose_landmark/pose_landmark_full.tflite",
    2: "modules/pose_landmark/pose_landmark_heavy.tflite",
}


def mediapipe_model_available(model_complexity: int) -> bool:
    """Whether the landmark model of ``model_complexity`` ships in the installed mediapipe."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return False
    relative = MODEL_FILES.get(model_complexity)
    if relative is None:
        return False
    return any((Path(root) / relative).is_file() for root in spec.submodule_search_locations)


@dataclass(frozen=True)
class PoseSettings:
    """How landmarks are extracted; every field is part of the cache key.

    Attributes
    ----------
    model_complexity : int
        MediaPipe Pose landmark model: 0 lite, 1 full, 2 heavy. Only models inside the
        installed mediapipe wheel are accepted (0.10.21 carries only 1), because mediapipe
        would otherwise download the model at run time.
    min_detection_confidence : float
        Minimum person-detector score in [0, 1] to start tracking someone.
    min_tracking_confidence : float
        Minimum landmark-model confidence in [0, 1] to keep tracking (else re-detect).
    smooth_landmarks : bool
        MediaPipe's temporal landmark filter (fed with the real frame times).
    max_width_px : int or None
        Frames wider than this are downscaled before pose inference (landmarks stay
        normalised to the full frame). The default 1920 leaves 1080p untouched and brings 4K
        down to 1080p; on the 1080p test clip 1280 px moved landmarks by 0.6 px median and
        did not make inference faster.
    """

    model_complexity: int = 1
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    smooth_landmarks: bool = True
    max_width_px: int | None = 1920

    def __post_init__(self) -> None:
        if self.model_complexity not in MODEL_FILES:
            raise ValueError(f"model_complexity must be 0, 1 or 2, got {self.model_complexity}")
        if not mediapipe_model_available(self.model_complexity):
            raise ValueError(
                f"model_complexity {self.model_complexity} needs "
                f"{Path(MODEL_FILES[self.model_complexity]).name}, which is not in the "
                "installed mediapipe package (it would be downloaded); use 1"
            )
        for name in ("min_detection_confidence", "min_tracking_confidence"):
            value = float(getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
        if self.max_width_px is not None and self.max_width_px < 64:
            raise ValueError(f"max_width_px must be at least 64, got {self.max_width_px}")

    def to_dict(self) -> dict[str, Any]:
        """Settings as a JSON-ready dictionary (stable keys, plain values)."""
        return asdict(self)
