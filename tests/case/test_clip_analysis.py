"""Tests of gait.case.clip_analysis and gait.case.tables: parameters computed once per clip."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gait.case import clip_analysis
from gait.case.demo import build_demo_case
from gait.case.store import CaseStore
from gait.case.tables import case_parameters, case_table, parameter_table


def test_parameters_survive_a_restart_without_recomputation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = CaseStore(tmp_path)
    case = build_demo_case(store, n_suspects=2, clips_per_suspect=1)
    first = case_table(store, case.case_id, "side")
    clip_analysis._FEATURES.clear()  # a new process

    def no_analysis(*args: object, **kwargs: object) -> None:
        raise AssertionError("gait parameters were computed again")

    monkeypatch.setattr(clip_analysis, "analyse_gait", no_analysis)
    second = case_table(CaseStore(tmp_path), case.case_id, "side")
    assert first.frame.equals(second.frame)
    clip = store.clips(case.case_id, view="side")[0]
    table = parameter_table(store, clip)
    assert list(table["cycle"]) == list(range(1, clip.n_cycles + 1))
    assert (table["clip_name"] == clip.original_name).all()
    everyone = case_parameters(store, case.case_id, "front")
    assert set(everyone["subject"]) == {"Walker A", "Walker B"}
    assert "clip_name" in everyone


def test_the_analysis_version_covers_every_module_the_parameters_come_from() -> None:
    """Cached parameters are keyed by a hash of the code that computes them: every engine
    module the feature tables load from the walk analysis, and the landmark indices."""
    import gait.walk.features  # noqa: F401  (loads the analysis's modules)

    sources = {path.resolve() for path in clip_analysis.analysis_sources()}
    loaded = [module for name, module in sys.modules.items()
              if name.startswith("gait.walk.") or name == "gait.media.landmarks"]
    assert len(loaded) >= 8
    for module in loaded:
        assert Path(str(module.__file__)).resolve() in sources, module.__name__
