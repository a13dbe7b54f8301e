"""Shared fixtures. The real data lives beside the project (``../shared/data``), found through
``GAIT_SHARED_DATA``; the suite fails, never skips, when it is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import PROJECT_ROOT

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

def shared_data_dir() -> Path:
    """The shared data folder (``GAIT_SHARED_DATA``, default ``../shared/data``)."""
    value = os.environ.get("GAIT_SHARED_DATA", str(PROJECT_ROOT.parent / "shared" / "data"))
    path = Path(value)
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the shared real data; fails the test when it is missing."""
    path = shared_data_dir()
    if not (path / "keypoints" / "enrol" / "manifest.csv").is_file():
        pytest.fail(f"shared data not found at {path} (set GAIT_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def shared_videos(shared_data: Path) -> Path:
    """Folder of the shared real walking videos."""
    return shared_data / "videos"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test uses a private keypoint cache, never the user's."""
    monkeypatch.setenv("GAIT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "keypoint-cache"))
