"""Every dashboard page through Streamlit's AppTest: empty store, seeded demo case, main buttons.

The demo case (synthetic walkers, no pose model) seeds a case in seconds; one module-scoped
store is shared by the tests that need a trained model, so training runs once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
PAGES = ("pages/case.py", "pages/enrolment.py", "pages/training.py",
         "pages/gait_visualisation.py", "pages/prediction.py")
TIMEOUT_S = 300


def _page(page: str | None = None, case_id: int | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if case_id is not None:
        app.session_state["case_id"] = case_id
    app.run()
    if page is not None:
        app.switch_page(page).run()
    return app


def _texts(app: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success",
                                  "title", "header", "subheader") for e in getattr(app, kind)]
    return "\n".join(str(p) for p in parts)


def _no_exception(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty data directory for the app."""
    monkeypatch.setenv("GAIT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A data directory holding the synthetic demo case; (directory, case id)."""
    from gait.case.demo import build_demo_case
    from gait.case.store import CaseStore

    data_dir = tmp_path_factory.mktemp("demo-store")
    case = build_demo_case(CaseStore(data_dir))
    return data_dir, case.case_id


@pytest.fixture
def demo(demo_store: tuple[Path, int], monkeypatch: pytest.MonkeyPatch) -> int:
    """Point the app at the demo store; the demo case id."""
    monkeypatch.setenv("GAIT_DATA_DIR", str(demo_store[0]))
    return demo_store[1]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_store(empty_store: Path, page: str) -> None:
    app = _page(page)
    _no_exception(app)
    assert "no case" in _texts(app).lower()


def test_case_page_creates_a_case_and_refuses_a_bad_name(empty_store: Path) -> None:
    app = _page()
    app.text_input[0].input("Harbour Street").run()
    next(b for b in app.button if b.label == "Create case").click().run()
    _no_exception(app)
    assert any(h.value == "Harbour Street" for h in app.header)
    # The same name again, then a blank name: one-line errors, the stored case is kept.
    for name in ("Harbour Street", "   "):
        app.text_input[0].input(name).run()
        next(b for b in app.button if b.label == "Create case").click().run()
        _no_exception(app)
        assert app.error, name
        assert "\n" not in app.error[0].value
    from gait.case.store import CaseStore

    assert [c.name for c in CaseStore(empty_store).cases()] == ["Harbour Street"]


def test_case_page_builds_the_demo_case(empty_store: Path) -> None:
    app = _page()
    next(b for b in app.button if "demo" in b.label).click().run()
    _no_exception(app)
    assert any("synthetic" in w.value.lower() for w in app.warning)
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Suspects"]) >= 4
    assert int(metrics["Side clips"]) > 0


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_the_demo_case(demo: int, page: str) -> None:
    app = _page(page, demo)
    _no_exception(app)
    assert not app.error, [e.value for e in app.error]


def test_enrolment_adds_a_suspect_and_refuses_a_duplicate(demo: int) -> None:
    app = _page("pages/enrolment.py", demo)
    name_box = next(t for t in app.text_input if t.label == "Name or reference")
    name_box.input("New person").run()
    next(b for b in app.button if b.label == "Add suspect").click().run()
    _no_exception(app)
    assert not app.error
    assert "New person" in _texts(app)
    name_box = next(t for t in app.text_input if t.label == "Name or reference")
    name_box.input("New person").run()
    next(b for b in app.button if b.label == "Add suspect").click().run()
    assert app.error and "\n" not in app.error[0].value


def test_enrolment_import_of_a_missing_folder_is_a_message(demo: int, tmp_path: Path) -> None:
    app = _page("pages/enrolment.py", demo)
    next(t for t in app.text_input if t.label == "Folder on the server").input(
        str(tmp_path / "nowhere")).run()
    next(b for b in app.button if b.label == "Import keypoints").click().run()
    _no_exception(app)
    assert app.error


def test_training_then_prediction_on_the_demo_case(demo: int, demo_store: tuple[Path, int]
                                                  ) -> None:
    app = _page("pages/training.py", demo)
    next(s for s in app.select_slider if s.label == "Accepted false-match rate").set_value(
        0.1).run()
    next(b for b in app.button if b.label == "Train and evaluate").click().run()
    _no_exception(app)
    assert not app.error, [e.value for e in app.error]
    assert any("saved" in s.value for s in app.success)
    assert any(m.label == "6-fold clip rank-1" for m in app.metric)
    from gait.case.store import CaseStore

    (model,) = CaseStore(demo_store[0]).models(demo)
    assert model.metrics["open_set"]["target_fpir"] == 0.1

    # The demo's side evidence: Walker A filmed again, then a stranger who is not a suspect.
    expected = ("Match: **Walker A**", "None of these suspects")
    for index, verdict_start in enumerate(expected):
        app = _page("pages/prediction.py", demo)
        next(r for r in app.radio if r.label == "Evidence").set_value(
            "Use a stored evidence clip").run()
        next(s for s in app.selectbox if s.label == "Stored evidence clip").select_index(
            index).run()
        next(b for b in app.button if b.label == "Identify").click().run()
        _no_exception(app)
        problems = [e.value for e in app.error if not e.value.startswith("None of these")]
        assert not problems, problems
        verdicts = [a.value for a in (*app.success, *app.warning)
                    if a.value.startswith(("Match", "Insufficient"))]
        verdicts += [e.value for e in app.error if e.value.startswith("None of these")]
        assert len(verdicts) == 1 and verdicts[0].startswith(verdict_start), verdicts
    assert len(CaseStore(demo_store[0]).identifications(demo)) == 2


def test_gait_visualisation_shows_events_and_parameters(demo: int) -> None:
    app = _page("pages/gait_visualisation.py", demo)
    _no_exception(app)
    assert len(app.get("plotly_chart")) >= 2
    assert len(app.dataframe) >= 1
    assert len(app.get("download_button")) >= 2
