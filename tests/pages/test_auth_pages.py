"""Signing in through AppTest: the first administrator, the log-in form, log-out, idle
sessions, the Accounts page, case members, a reviewer's read-only pages, and a session that
points at a case it may not open."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gait.case.store import CaseStore
from tests.helpers import PASSWORD, PROJECT_ROOT, add_accounts

APP = str(PROJECT_ROOT / "app.py")
TIMEOUT_S = 120


def _app(user: str | None = None, case_id: int | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if user is not None:
        app.session_state["user_name"] = user
        app.session_state["last_seen_monotonic_s"] = time.monotonic()
    if case_id is not None:
        app.session_state["case_id"] = case_id
    return app.run()


def _ok(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def _button(app: AppTest, label: str) -> AppTest:
    return next(b for b in app.button if b.label == label).click().run()


def _fill(app: AppTest, values: dict[str, str]) -> None:
    for label, value in values.items():
        next(t for t in app.text_input if t.label == label).input(value)


def _signed_in_as(app: AppTest) -> str:
    return " ".join(c.value for c in app.caption if c.value.startswith("Signed in as"))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GAIT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def accounts_dir(data_dir: Path) -> Path:
    add_accounts(data_dir)
    return data_dir


def test_a_fresh_folder_opens_on_the_first_administrator(data_dir: Path) -> None:
    app = _app()
    _ok(app)
    assert app.title[0].value == "gait-ID: create the first administrator"
    _fill(app, {"User name": "ada", "Full name": "Ada Admin", "Password (at least 12 "
                "characters)": "too short", "The same password again": "too short"})
    _button(app, "Create the administrator")
    assert len(app.error) == 1 and "at least 12 characters" in app.error[0].value
    assert not CaseStore(data_dir).has_users()
    _fill(app, {"User name": "ada", "Full name": "Ada Admin", "Password (at least 12 "
                "characters)": PASSWORD, "The same password again": PASSWORD})
    _button(app, "Create the administrator")
    _ok(app)
    assert "Ada Admin" in _signed_in_as(app)
    # An administrator creates no case and sees none it is not a member of.
    assert not any(b.label == "Create case" for b in app.button)
    assert [e.action for e in CaseStore(data_dir).audit()] == ["account created", "logged in"]
    assert _app().title[0].value == "gait-ID: log in"  # a second visitor: the log-in form


def test_log_in_log_out_and_a_wrong_password(accounts_dir: Path) -> None:
    app = _app()
    assert app.title[0].value == "gait-ID: log in"
    _fill(app, {"User name": "ivan", "Password": "not the password"})
    _button(app, "Log in")
    _ok(app)
    assert len(app.error) == 1 and "wrong user name or password" in app.error[0].value
    assert "\n" not in app.error[0].value
    _fill(app, {"User name": "ivan", "Password": PASSWORD})
    _button(app, "Log in")
    _ok(app)
    assert "Ivan Investigator" in _signed_in_as(app)
    assert any(b.label == "Create case" for b in app.button)
    # AppTest loses a click that follows the log-in's st.rerun; a new run of the signed-in
    # session (as the browser's next page load) clicks "Log out" (the browser test does it
    # in one session).
    app = _app("ivan")
    _button(app, "Log out")
    _ok(app)
    assert app.title[0].value == "gait-ID: log in"
    assert any("logged out" in i.value for i in app.info)
    actions = [(e.action, e.actor) for e in CaseStore(accounts_dir).audit()
               if e.action.startswith("log")]
    assert actions == [("log-in failed", "(log-in form)"), ("logged in", "ivan"),
                       ("logged out", "ivan")]


def test_an_idle_session_ends(accounts_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAIT_SESSION_IDLE_MINUTES", "5")
    app = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    app.session_state["user_name"] = "ivan"
    app.session_state["last_seen_monotonic_s"] = time.monotonic() - 301
    app.run()
    _ok(app)
    assert app.title[0].value == "gait-ID: log in"
    assert any("5 minutes without activity" in i.value for i in app.info)
    assert CaseStore(accounts_dir).audit()[-1].action == "session expired"


def test_a_disabled_account_is_signed_out_at_its_next_click(accounts_dir: Path) -> None:
    app = _app("ivan")
    assert "Ivan" in _signed_in_as(app)
    CaseStore(accounts_dir).set_user_disabled("ivan", True)
    app.run()
    assert app.title[0].value == "gait-ID: log in"


def test_the_accounts_page_for_administrators_only(accounts_dir: Path) -> None:
    app = _app("ada")
    app.switch_page("pages/accounts.py").run()
    _ok(app)
    _fill(app, {"User name (the e-mail address for single sign-on)": "nora",
                "Full name": "Nora New",
                "First password (at least 12 characters; tell it to the person in private)":
                PASSWORD})
    _button(app, "Create the account")
    _ok(app)
    assert not app.error, [e.value for e in app.error]
    nora = CaseStore(accounts_dir).user_by_name("nora")
    assert nora is not None and nora.role == "investigator" and nora.has_password
    next(s for s in app.selectbox if s.label == "Account").set_value(nora).run()
    _button(app, "Disable the account")
    _ok(app)
    assert CaseStore(accounts_dir).user_by_name("nora").disabled
    # Not an administrator: AppTest runs the page file even though the navigation does not
    # offer it, and the page itself refuses.
    ivan = _app("ivan")
    ivan.switch_page("pages/accounts.py").run()
    _ok(ivan)
    assert [e.value for e in ivan.error] == ["Only administrators manage accounts."]
    assert not ivan.text_input and not ivan.dataframe


def test_the_owner_adds_a_member_and_only_members_see_the_case(accounts_dir: Path) -> None:
    ivan = CaseStore(accounts_dir).acting_as("ivan")
    case = ivan.create_case("Harbour Street")
    # iris's session pointed at ivan's case (a session-state trick): she does not reach it.
    iris = _app("iris", case_id=case.case_id)
    _ok(iris)
    assert not any(h.value == "Harbour Street" for h in iris.header)
    assert "Harbour Street" not in str([s.options for s in iris.selectbox])
    app = _app("ivan", case_id=case.case_id)
    assert any(h.value == "Harbour Street" for h in app.header)
    picker = next(s for s in app.selectbox if s.label == "Add a member")
    picker.set_value(next(u for u in picker.options if "iris" in u)).run()
    _button(app, "Add")
    _ok(app)
    assert {m.user.user_name for m in ivan.members(case.case_id)} == {"ivan", "iris"}
    iris = _app("iris", case_id=case.case_id)
    assert any(h.value == "Harbour Street" for h in iris.header)


def test_a_reviewer_reads_and_finds_no_button_that_changes(accounts_dir: Path) -> None:
    from gait.case.demo import build_demo_case

    ivan = CaseStore(accounts_dir).acting_as("ivan")
    case = build_demo_case(ivan, n_suspects=3, clips_per_suspect=2)
    ivan.add_member(case.case_id, "rita")
    changing = {"Add suspect", "Extract keypoints and enrol", "Import keypoints",
                "Train and evaluate", "Identify", "Store and identify", "Create case",
                "Add", "Remove", "Hand over"}
    for page in ("pages/case.py", "pages/enrolment.py", "pages/training.py",
                 "pages/gait_visualisation.py", "pages/prediction.py"):
        app = _app("rita", case_id=case.case_id)
        app.switch_page(page).run()
        _ok(app)
        assert not app.error, (page, [e.value for e in app.error])
        assert not changing & {b.label for b in app.button}, page
        if page in ("pages/enrolment.py", "pages/training.py"):
            assert any("your role does not change it" in i.value for i in app.info), page
    assert any(h.value == case.name for h in _app("rita", case_id=case.case_id).header)


@pytest.mark.parametrize("page", ["pages/case.py", "pages/enrolment.py", "pages/training.py",
                                  "pages/gait_visualisation.py", "pages/prediction.py",
                                  "pages/accounts.py"])
def test_a_page_run_without_the_app_still_needs_a_log_in(accounts_dir: Path, page: str) -> None:
    """The first request after a server start for a page's address runs that page's file
    directly (Streamlit's pages/ folder, before app.py has ever called st.navigation): the
    page itself stops at "Log in first." and shows nothing of any case."""
    ivan = CaseStore(accounts_dir).acting_as("ivan")
    case = ivan.create_case("Harbour Street")
    ivan.add_suspect(case.case_id, "J. Doe")
    app = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=TIMEOUT_S)
    app.session_state["case_id"] = case.case_id
    app.run()
    _ok(app)
    assert [w.value for w in app.warning] == ["Log in first."]
    shown = " ".join(str(e.value) for kind in ("markdown", "header", "subheader", "caption",
                                               "info", "selectbox", "dataframe")
                     for e in getattr(app, kind))
    assert "Harbour Street" not in shown and "J. Doe" not in shown
