"""Passwords and log-in: Argon2id only, the password rule, failed log-ins slowed per account
and per client (measured on a fake clock), and every log-in event in the audit log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gait.case import accounts
from gait.case.accounts import (
    LoginRefused,
    Throttle,
    check_password,
    create_first_administrator,
    hash_password,
    log_in,
    verify_password,
)
from gait.case.store import CaseStore, StoreError
from gait.case.store.permissions import INVESTIGATOR

PASSWORD = "correct horse battery"


class Clock:
    """A fake Unix clock that only moves when told."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    store = CaseStore(tmp_path)
    create_first_administrator(store, "ada", "Ada Admin", PASSWORD)
    store.acting_as("ada").add_user("ivan", "Ivan", INVESTIGATOR, hash_password(PASSWORD))
    return store


def test_only_an_argon2id_hash_is_stored(store: CaseStore) -> None:
    with sqlite3.connect(store.db_path) as conn:
        hashes = [r[0] for r in conn.execute("SELECT password_hash FROM users")]
    assert all(h.startswith("$argon2id$v=19$m=65536,t=3,p=4$") for h in hashes)
    assert len(set(hashes)) == 2  # salted: the same password, two hashes
    everything = b"".join(p.read_bytes() for p in store.data_dir.rglob("*") if p.is_file())
    assert PASSWORD.encode() not in everything
    assert verify_password(hashes[0], PASSWORD) and not verify_password(hashes[0], "x" * 12)
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)


@pytest.mark.parametrize(("password", "message"), [
    ("short pass", "at least 12"), ("x" * 1025, "at most 1024"), ("ivan.smith.1", "user name")])
def test_the_password_rule(password: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        check_password(password, "ivan.smith.1")


def test_a_log_in_and_its_audit_events(store: CaseStore) -> None:
    clock = Clock()
    user = log_in(store, "IVAN", PASSWORD, client="10.0.0.7", clock=clock)
    assert user.user_name == "ivan"
    with pytest.raises(LoginRefused, match="wrong user name or password"):
        log_in(store, "ivan", "wrong password!", client="10.0.0.7", clock=clock)
    with pytest.raises(LoginRefused, match="wrong user name or password"):
        log_in(store, "nobody", PASSWORD, client="10.0.0.7", clock=clock)
    store.acting_as("ada").set_user_disabled("ivan", True)
    with pytest.raises(LoginRefused, match="wrong user name or password"):
        log_in(store, "ivan", PASSWORD, client="10.0.0.8", clock=clock)
    accounts.log_out(store, user)
    events = [(e.action, e.actor, e.details.get("reason")) for e in store.audit()
              if "log" in e.action]
    assert events == [
        ("logged in", "ivan", None),
        ("log-in failed", accounts.ANONYMOUS, "wrong password"),
        ("log-in failed", accounts.ANONYMOUS, "unknown user name"),
        ("log-in failed", accounts.ANONYMOUS, "account disabled"),
        ("logged out", "ivan", None),
    ]
    assert all(e.at for e in store.audit())
    assert all(PASSWORD not in str(e.details) for e in store.audit())


def test_the_delay_grows_then_the_account_locks() -> None:
    throttle = Throttle()
    waits = [throttle.wait_s(n) for n in range(1, 10)]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 60]
    with pytest.raises(ValueError, match="throttle"):
        Throttle(free_failures=5, lock_after=5)


def test_guessing_is_slowed_per_account_and_per_client(store: CaseStore) -> None:
    """Measured on a fake clock: a guesser who waits exactly as long as told."""
    clock, throttle = Clock(), Throttle()
    start, waits, locked_at = clock.now, [], None
    for attempt in range(1, 40):
        try:
            log_in(store, "ivan", f"guess number {attempt}", client="10.9.9.9", clock=clock,
                   throttle=throttle)
        except LoginRefused as refused:
            if "locked" in str(refused):
                locked_at = attempt
                break
            waits.append(refused.retry_after_s)
            clock.now += refused.retry_after_s
    elapsed = clock.now - start
    print(f"\nbrute force: waits after each wrong guess {waits} s; locked at guess {locked_at}"
          f" after {elapsed:.0f} s for {throttle.lock_s:.0f} s")
    assert locked_at == throttle.lock_after
    assert elapsed == pytest.approx(sum(throttle.wait_s(n) for n in range(1, 10)))
    # Locked: even the right password waits, from any client (the account is locked) ...
    with pytest.raises(LoginRefused, match="locked") as refused:
        log_in(store, "ivan", PASSWORD, client="10.1.1.1", clock=clock, throttle=throttle)
    assert refused.value.retry_after_s == pytest.approx(throttle.lock_s)
    # ... and that client is slowed for every account it tries.
    with pytest.raises(LoginRefused, match="try again"):
        log_in(store, "ada", PASSWORD, client="10.9.9.9", clock=clock, throttle=throttle)
    clock.now += throttle.lock_s + 1
    assert log_in(store, "ivan", PASSWORD, client="10.1.1.1", clock=clock,
                  throttle=throttle).user_name == "ivan"
    refusals = [e for e in store.audit() if e.action == "log-in refused"]
    assert refusals and all(e.details["client"] for e in refusals)


def test_a_success_clears_the_counters(store: CaseStore) -> None:
    clock = Clock()
    for _ in range(3):
        with pytest.raises(LoginRefused):
            log_in(store, "ivan", "wrong password!", client="c", clock=clock)
    log_in(store, "ivan", PASSWORD, client="c", clock=clock)
    assert store.login_failures("account:ivan") == (0, 0.0, 0.0)


def test_the_first_administrator_only_once(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    with pytest.raises(StoreError, match="at least 12"):
        create_first_administrator(store, "ada", "Ada", "short")
    assert not store.has_users()
    create_first_administrator(store, "ada", "Ada", PASSWORD)
    with pytest.raises(StoreError, match="exists already"):
        create_first_administrator(store, "eve", "Eve", PASSWORD)


def test_single_sign_on_maps_an_email_to_an_active_account(store: CaseStore) -> None:
    store.acting_as("ada").add_user("jo@example.org", "Jo", INVESTIGATOR, None)
    assert accounts.log_in_single_sign_on(store, "JO@example.org").user_name == "jo@example.org"
    with pytest.raises(LoginRefused, match="no active gait-ID account"):
        accounts.log_in_single_sign_on(store, "stranger@example.org")
    with pytest.raises(LoginRefused):
        log_in(store, "jo@example.org", "", clock=Clock())  # no password: no password log-in


def test_the_idle_timeout_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(accounts.IDLE_MINUTES_ENV, raising=False)
    assert accounts.idle_timeout_s() == 1800
    monkeypatch.setenv(accounts.IDLE_MINUTES_ENV, "5")
    assert accounts.idle_timeout_s() == 300
    for bad in ("soon", "0", "-3", "nan"):
        monkeypatch.setenv(accounts.IDLE_MINUTES_ENV, bad)
        with pytest.raises(StoreError, match="minutes"):
            accounts.idle_timeout_s()
