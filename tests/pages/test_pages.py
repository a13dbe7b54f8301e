"""Every dashboard page through Streamlit's AppTest: empty store, seeded demo case, main buttons.

The demo case (synthetic walkers, no pose model) seeds a case in seconds; one module-scoped
store is shared by the tests that need a trained model, so training runs once.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import (
    PROJECT_ROOT,
    add_accounts,
    joined_recording,
    small_model_settings,
)

APP = str(PROJECT_ROOT / "app.py")
PAGES = ("pages/case.py", "pages/enrolment.py", "pages/training.py",
         "pages/gait_visualisation.py", "pages/prediction.py")
TIMEOUT_S = 600  # a training on a slow, shared 2-core machine


def _app(user: str | None = "ivan", case_id: int | None = None) -> AppTest:
    """The app, signed in as ``user`` (None: nobody), not yet run."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if user is not None:
        app.session_state["user_name"] = user
        app.session_state["last_seen_monotonic_s"] = time.monotonic()
    if case_id is not None:
        app.session_state["case_id"] = case_id
    return app


def _page(page: str | None = None, case_id: int | None = None, user: str | None = "ivan"
          ) -> AppTest:
    app = _app(user, case_id)
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
    """A data directory for the app with the test accounts and no case."""
    monkeypatch.setenv("GAIT_DATA_DIR", str(tmp_path / "data"))
    add_accounts(tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A data directory holding the test accounts and ivan's synthetic demo case, of which
    rita (a reviewer) is a member; (directory, case id)."""
    from gait.case.demo import build_demo_case
    from gait.case.store import CaseStore

    data_dir = tmp_path_factory.mktemp("demo-store")
    add_accounts(data_dir)
    ivan = CaseStore(data_dir).acting_as("ivan")
    case = build_demo_case(ivan)
    ivan.add_member(case.case_id, "rita")
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

    (case,) = CaseStore(empty_store).cases()
    assert case.name == "Harbour Street"
    assert CaseStore(empty_store).user_by_name("ivan").user_id == case.owner_id


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


@pytest.mark.parametrize(("root", "folder", "message"), [
    (None, "anywhere", "disabled"),
    ("root", "nowhere", "no manifest.csv"),
    ("root", "../outside", "'..' is not allowed"),
    ("root", "/etc", "outside the import folder"),
    ("root", "link", "through a symbolic link"),
])
def test_enrolment_import_stays_inside_the_import_root(
        demo: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root: str | None,
        folder: str, message: str) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "root" / "link").symlink_to(tmp_path / "outside")
    if root is None:
        monkeypatch.delenv("GAIT_IMPORT_ROOT", raising=False)
    else:
        monkeypatch.setenv("GAIT_IMPORT_ROOT", str(tmp_path / root))
    app = _page("pages/enrolment.py", demo)
    next(t for t in app.text_input if t.label == "Folder on the server").input(folder).run()
    next(b for b in app.button if b.label == "Import keypoints").click().run()
    _no_exception(app)
    assert len(app.error) == 1 and message in app.error[0].value, [e.value for e in app.error]


def test_training_then_prediction_on_the_demo_case(demo: int, demo_store: tuple[Path, int]
                                                  ) -> None:
    app = _page("pages/training.py", demo)
    next(s for s in app.select_slider if s.label == "LR that names a suspect").set_value(
        10.0).run()
    # A small network (chosen as a researcher would): the page, not the network, is tested.
    for label, value in (("Whole-body towers", 2), ("Clothing-robust towers", 1),
                         ("Most epochs", 20)):
        next(n for n in app.number_input if n.label == label).set_value(value).run()
    next(b for b in app.button if b.label == "Train and evaluate").click().run()
    _no_exception(app)
    assert not app.error, [e.value for e in app.error]
    assert any("saved" in s.value for s in app.success)
    assert any(m.label == "6-fold clip rank-1" for m in app.metric)
    from gait.case.store import CaseStore

    (model,) = CaseStore(demo_store[0]).models(demo)
    assert model.added_by == "ivan"
    assert model.metrics["likelihood"]["name_at_lr"] == 10.0
    stored = model.metrics["settings"]
    assert (stored["n_members"], stored["robust_members"], stored["max_epochs"]) == (2, 1, 20)
    assert any("2 (1)" in d.value["towers (robust)"].tolist() for d in app.dataframe
               if "towers (robust)" in d.value.columns)
    assert any(m.label == "Cllr" for m in app.metric)
    assert len(app.get("plotly_chart")) >= 3  # training curves, Tippett and ECE plots
    made_before = len(CaseStore(demo_store[0]).identifications(demo))

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
        if index == 0:
            _review_and_report(app, demo_store[0], demo)
    assert len(CaseStore(demo_store[0]).identifications(demo)) == made_before + 2


def _review_and_report(app: AppTest, data_dir: Path, case_id: int) -> None:
    """The side-by-side review and the signed report of the identification on screen."""
    from gait.case.store import CaseStore

    assert any("log10 LR" in str(d.value.columns.tolist()) for d in app.dataframe)
    next(b for b in app.button if b.label == "Show side by side").click().run()
    _no_exception(app)
    assert len(app.get("video")) >= 1
    downloads = [d.proto.label for d in app.get("download_button")]
    assert "Download the side-by-side video (MP4)" in downloads
    next(b for b in app.button if b.label == "Make the signed case report").click().run()
    _no_exception(app)
    assert any(s.value.startswith("intact: signed by installation") for s in app.success), \
        [s.value for s in app.success]
    downloads = [d.proto.label for d in app.get("download_button")]
    assert {"Download the report (PDF)", "Download its signature"} <= set(downloads)
    (newest, *_) = CaseStore(data_dir).identifications(case_id)
    assert (data_dir / "reports" /
            f"case-{case_id}-identification-{newest.identification_id}.pdf").is_file()
    assert CaseStore(data_dir).audit(case_id)[-1].action == "report signed"


def test_gait_visualisation_shows_events_and_parameters(demo: int) -> None:
    app = _page("pages/gait_visualisation.py", demo)
    _no_exception(app)
    assert len(app.get("plotly_chart")) >= 2
    assert len(app.dataframe) >= 1
    assert len(app.get("download_button")) >= 2


# --------------------------------------------------------------------------------------------
# A recording of two people walking one after the other: the walk picker
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corridor(shared_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two shared CASIA-B takes of different people joined into one recording."""
    path = tmp_path_factory.mktemp("corridor") / "corridor.mp4"
    joined_recording(shared_videos / "casia-b", ("002-nm-01", "001-nm-05"), path)
    return path


def _walk_picker_choice(app: AppTest, index: int, range_s: tuple[float, float]) -> None:
    """Pick the walk ``index`` in the gallery and move the range slider."""
    assert len(app.get("image")) >= 2  # one thumbnail per person
    walk = next(r for r in app.radio if r.label == "Walk")
    assert len(walk.options) == 2
    walk.set_value(index).run()
    next(s for s in app.slider if s.label == "Time range analysed (s)").set_value(
        range_s).run()


@pytest.mark.slow
def test_enrolment_picks_a_walk_of_a_recording_of_two_people(
        empty_store: Path, corridor: Path) -> None:
    from gait.case.intake import store_recording
    from gait.case.store import CaseStore

    store = CaseStore(empty_store).acting_as("ivan")
    case = store.create_case("Corridor")
    store.add_suspect(case.case_id, "002")
    store.add_suspect(case.case_id, "001")
    stored = store_recording(store, case.case_id, corridor, "corridor.mp4", "enrolment")
    assert stored.recording is not None and stored.recording.needs_choice
    second = stored.recording.scan.tracks[1]
    app = _app(case_id=case.case_id)
    app.session_state[f"enrol_recordings_{case.case_id}"] = [stored.recording.video_sha256]
    app.run()
    app.switch_page("pages/enrolment.py").run()
    _no_exception(app)
    next(s for s in app.selectbox if s.label == "Suspect").set_value(2).run()  # 001
    start = round(second.track.start_s, 1)
    _walk_picker_choice(app, 1, (start, round(second.track.end_s, 1)))
    next(b for b in app.button if b.label == "Enrol this walk as 001").click().run()
    _no_exception(app)
    assert not app.error, [e.value for e in app.error]
    (clip,) = store.clips(case.case_id)
    assert (clip.suspect_id, clip.track_id) == (2, second.track_id)
    assert clip.start_s == pytest.approx(start)
    assert any("stored as clip" in s.value for s in app.success)
    # The recording stays on the page for its other walk, until the user is done with it.
    assert any(b.label == "Done with this recording" for b in app.button)
    next(b for b in app.button if b.label == "Done with this recording").click().run()
    assert app.session_state[f"enrol_recordings_{case.case_id}"] == []


@pytest.mark.slow
def test_prediction_identifies_the_walk_chosen_in_a_stored_recording(
        demo: int, demo_store: tuple[Path, int], corridor: Path) -> None:
    from gait.case.intake import store_recording
    from gait.case.store import CaseStore
    from gait.case.training import train_case_model

    store = CaseStore(demo_store[0]).acting_as("ivan")
    if not store.models(demo):
        train_case_model(store, demo, "side", evaluate=False, settings=small_model_settings())
    stored = store_recording(store, demo, corridor, "corridor.mp4", "evidence")
    assert stored.recording is not None
    first = stored.recording.scan.tracks[0]
    app = _app(case_id=demo)
    app.session_state[f"evidence_recording_{demo}"] = stored.recording.video_sha256
    app.run()
    app.switch_page("pages/prediction.py").run()
    _no_exception(app)
    _walk_picker_choice(app, 0, (round(first.track.start_s, 1), round(first.track.end_s, 1)))
    next(b for b in app.button if b.label == "Analyse this walk and identify").click().run()
    _no_exception(app)
    assert not [e.value for e in app.error if not e.value.startswith("None of these")]
    (clip,) = [c for c in store.clips(demo, role="evidence")
               if c.video_sha256 == stored.recording.video_sha256]
    assert clip.track_id == first.track_id
    assert any(h.value.startswith(f"Evidence clip #{clip.clip_id}: corridor.mp4 (person "
                                  f"{first.track_id},") for h in app.subheader)
    newest = max(store.identifications(demo), key=lambda r: r.identification_id)
    assert newest.clip_id == clip.clip_id
