"""``python -m gait users``: accounts from the command line, the password from standard input
(never the command line), one-line errors, every change in the audit log."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from gait.case.accounts import log_in
from gait.case.store import USER_ROLES, CaseStore
from gait.cli import main
from gait.cli import users as users_cli
from tests.helpers import PASSWORD, PROJECT_ROOT


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["users", *args])


def test_the_roles_of_the_command_line_are_the_stores() -> None:
    assert users_cli.ROLES == USER_ROLES


def test_add_list_disable_enable_role_passwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GAIT_DATA_DIR", str(tmp_path))
    assert _run(["list"], monkeypatch) == 0
    assert "no accounts yet" in capsys.readouterr().out
    assert _run(["add", "ivan", "--role", "investigator"], monkeypatch, PASSWORD + "\n") == 2
    assert "first account must be an administrator" in capsys.readouterr().err
    assert _run(["add", "ada", "--role", "administrator", "--display-name", "Ada Admin"],
                monkeypatch, PASSWORD + "\n") == 0
    assert _run(["add", "ivan", "--role", "investigator"], monkeypatch, "too short\n") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at least 12 characters" in err
    assert _run(["add", "ivan", "--role", "investigator"], monkeypatch, PASSWORD + "\n") == 0
    assert _run(["add", "jo@example.org", "--role", "reviewer", "--single-sign-on"],
                monkeypatch) == 0
    assert _run(["disable", "ivan"], monkeypatch) == 0
    assert _run(["list"], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "ivan" in out and "disabled" in out and "single sign-on" in out
    assert _run(["enable", "ivan"], monkeypatch) == 0
    assert _run(["role", "ivan", "reviewer"], monkeypatch) == 0
    store = CaseStore(tmp_path)
    store.set_login_failures("account:ivan", 10, 1e12, 1e12)  # locked after guesses
    assert _run(["passwd", "ivan"], monkeypatch, "a new password, long\n") == 0
    assert store.login_failures("account:ivan") == (0, 0.0, 0.0)
    assert _run(["passwd", "nobody"], monkeypatch, PASSWORD + "\n") == 2
    assert _run(["role", "ada", "reviewer"], monkeypatch) == 2
    assert "no active administrator" in capsys.readouterr().err
    assert log_in(store, "ivan", "a new password, long").role == "reviewer"
    events = [(e.action, e.actor) for e in store.audit() if e.action != "logged in"]
    operator = events[0][1]
    assert operator.startswith("command line")
    assert [a for a, _ in events] == ["account created", "account created", "account created",
                                      "account disabled", "account enabled", "role changed",
                                      "password changed"]
    assert {actor for _, actor in events} == {operator}


def test_a_password_is_never_an_argument(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["users", "add", "ivan", "--role", "investigator", "--password", PASSWORD])
    assert "unrecognized arguments" in capsys.readouterr().err


def test_users_help_has_an_example() -> None:
    result = subprocess.run([sys.executable, "-m", "gait", "users", "--help"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and "example" in result.stdout
    assert "add" in result.stdout and "passwd" in result.stdout
