"""Shared fixtures. The real data lives beside the project (``../shared/data``), found through
``GAIT_SHARED_DATA``; the suite fails, never skips, when it is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import PROJECT_ROOT

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser test first: the longest test (minutes), so that on two workers the rest of
    the suite runs beside it rather than after it (its file's tests stay together)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


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


@pytest.fixture(scope="session")
def identified_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """A demo case (5 synthetic suspects, so with a likelihood calibration) with a trained
    side-view model (with the training copies whose legs swing less) and one identification;
    (data folder, case id, identification id).
    Tests may add to it (reports, audit events) but must not alter what is stored."""
    from dataclasses import replace

    from gait.case.demo import build_demo_case
    from gait.case.evidence import identify_clip
    from gait.case.store import CaseStore
    from gait.case.training import train_case_model
    from tests.helpers import small_model_settings

    data_dir = tmp_path_factory.mktemp("identified-case")
    store = CaseStore(data_dir)
    case = build_demo_case(store, n_suspects=5, clips_per_suspect=3)
    settings = replace(small_model_settings(), augment_excursion_damping=0.5)
    model = train_case_model(store, case.case_id, "side", settings=settings, evaluate=False,
                             actor="investigator")
    evidence = store.clips(case.case_id, role="evidence", view="side")[0]
    outcome = identify_clip(store, case.case_id, evidence.clip_id, model.model_id,
                            actor="investigator")
    return data_dir, case.case_id, outcome.record.identification_id
