"""Passwords, log-in and log-out: Argon2id hashes, a password rule, and failed log-ins slowed
down per account and per client.

Passwords are hashed with Argon2id (argon2-cffi's defaults: RFC 9106's second recommended
profile, 64 MiB, 3 passes, 4 lanes; about 0.15 s here) and only the hash is stored
(:meth:`gait.case.store.CaseStore.add_user`); no password, nor anything it could be recovered
from, is written to the store, the audit log or the server log.

Failed log-ins are counted per account name and per client (the browser's address). After
:attr:`Throttle.free_failures` failures each further attempt must wait a delay that doubles
with every failure (from :attr:`Throttle.first_delay_s` up to :attr:`Throttle.max_delay_s`);
after :attr:`Throttle.lock_after` failures the key is locked for :attr:`Throttle.lock_s`. A
refused attempt is itself a failure recorded in the audit log, with the time, the name tried
and the client; so are log-ins, log-outs and expired sessions. An unknown user name costs the
same hash check as a known one, so the answer does not tell which names exist.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gait.case.store import CaseStore, StoreError, User
from gait.case.store.permissions import ADMINISTRATOR
from gait.case.store.users import account_throttle_key

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
IDLE_MINUTES_ENV = "GAIT_SESSION_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 30.0
ANONYMOUS = "(log-in form)"

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the user name is unknown, so that both answers take as long (made
    at the first log-in, not when the dashboard starts: a hash takes about 0.15 s)."""
    return _HASHER.hash("not a password of anyone, only for timing")


class LoginRefused(ValueError):
    """A log-in was refused; the message is one line for the user.

    Attributes
    ----------
    retry_after_s : float
        Seconds before the next attempt is accepted (0 when it may follow at once).
    """

    def __init__(self, message: str, retry_after_s: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after_s = float(retry_after_s)


def check_password(password: str, user_name: str = "") -> None:
    """Refuse (StoreError) a password shorter than 12 characters, longer than 1024, or equal
    to the user name."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise StoreError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise StoreError(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    if user_name and password.strip().lower() == user_name.strip().lower():
        raise StoreError("the password must not be the user name")


def hash_password(password: str, user_name: str = "") -> str:
    """The Argon2id hash (PHC string) of a password that passes :func:`check_password`."""
    check_password(password, user_name)
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches the Argon2id ``password_hash`` (False for ``None``)."""
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Throttle:
    """How failed log-ins are slowed down (per account name and per client).

    Attributes
    ----------
    free_failures : int
        Failures allowed before any delay.
    first_delay_s, max_delay_s : float
        The wait after the first counted failure, doubling with each further one, up to the
        maximum.
    lock_after : int
        Failures after which the key is locked.
    lock_s : float
        How long a lock lasts.
    forget_after_s : float
        Failures older than this (since the last one) are forgotten.
    """

    free_failures: int = 3
    first_delay_s: float = 2.0
    max_delay_s: float = 60.0
    lock_after: int = 10
    lock_s: float = 900.0
    forget_after_s: float = 3600.0

    def __post_init__(self) -> None:
        if self.free_failures < 0 or self.lock_after <= self.free_failures:
            raise ValueError("the throttle needs 0 <= free_failures < lock_after")
        if not 0 < self.first_delay_s <= self.max_delay_s or self.lock_s <= 0:
            raise ValueError("the throttle's delays must be positive and increasing")

    def wait_s(self, failures: int) -> float:
        """Seconds the next attempt must wait after ``failures`` failures in a row."""
        counted = failures - self.free_failures
        if counted <= 0:
            return 0.0
        return min(self.first_delay_s * 2.0 ** (counted - 1), self.max_delay_s)


DEFAULT_THROTTLE = Throttle()


def _keys(user_name: str, client: str) -> tuple[str, str]:
    return account_throttle_key(user_name), f"client:{client or 'unknown'}"


def _retry_after(store: CaseStore, keys: tuple[str, ...], now: float,
                 throttle: Throttle) -> tuple[float, bool]:
    """(seconds to wait before an attempt is accepted, whether a key is locked)."""
    wait, locked = 0.0, False
    for key in keys:
        failures, last, locked_until = store.login_failures(key)
        if locked_until > now:
            wait, locked = max(wait, locked_until - now), True
        elif failures and now - last < throttle.forget_after_s:
            wait = max(wait, throttle.wait_s(failures) - (now - last))
    return max(wait, 0.0), locked


def _count_failure(store: CaseStore, keys: tuple[str, ...], now: float,
                   throttle: Throttle) -> int:
    most = 0
    for key in keys:
        failures, last, locked_until = store.login_failures(key)
        if now - last >= throttle.forget_after_s and locked_until <= now:
            failures = 0
        failures += 1
        lock = now + throttle.lock_s if failures >= throttle.lock_after else 0.0
        store.set_login_failures(key, failures, now, lock)
        most = max(most, failures)
    return most


def log_in(store: CaseStore, user_name: str, password: str, client: str = "local",
           clock: Callable[[], float] = time.time,
           throttle: Throttle = DEFAULT_THROTTLE) -> User:
    """Check a user name and password; the account, or LoginRefused.

    Parameters
    ----------
    store : CaseStore
        The store opened for the machine (not a handle acting for a user).
    user_name, password : str
    client : str
        The client's address (``st.context.ip_address``), a throttle key.
    clock : callable
        Unix time in seconds (a test passes a fake clock).
    throttle : Throttle

    Raises
    ------
    LoginRefused
        Wrong name or password, a disabled account (the same message), or too many failures
        (with the seconds to wait). Every refusal is recorded in the audit log.
    """
    keys = _keys(user_name, client)
    now = clock()
    wait, locked = _retry_after(store, keys, now, throttle)
    if wait > 0:
        _count_failure(store, keys, now, throttle)
        store.log("log-in refused", None, {"user_name": user_name, "client": client,
                                           "reason": "locked" if locked else "too soon",
                                           "retry_after_s": round(wait, 1)}, ANONYMOUS)
        what = "locked after repeated failures" if locked else "slowed after failed log-ins"
        raise LoginRefused(f"log-in {what}: try again in {math.ceil(wait)} s", wait)
    found = store.credentials(user_name)
    matches = verify_password(found[1] if found else None, password)
    if found is None or not matches or found[0].disabled:
        failures = _count_failure(store, keys, now, throttle)
        reason = ("unknown user name" if found is None else
                  "wrong password" if not matches else "account disabled")
        store.log("log-in failed", None, {"user_name": user_name, "client": client,
                                          "reason": reason, "failures": failures}, ANONYMOUS)
        if failures >= throttle.lock_after:
            raise LoginRefused("wrong user name or password; log-in locked after repeated "
                               f"failures: try again in {throttle.lock_s:.0f} s",
                               throttle.lock_s)
        raise LoginRefused("wrong user name or password (or the account is disabled)",
                           throttle.wait_s(failures))
    user, password_hash = found
    for key in keys:
        store.set_login_failures(key, 0, now, 0.0)
    if password_hash and _HASHER.check_needs_rehash(password_hash):
        store.set_password_hash(user.user_name, _HASHER.hash(password), actor=user.user_name)
    store.log("logged in", None, {"client": client, "method": "password"}, user.user_name)
    return user


def log_in_single_sign_on(store: CaseStore, email: str, client: str = "local") -> User:
    """The active account whose user name is the e-mail address an OpenID Connect provider
    vouched for (Streamlit's ``st.login``); LoginRefused (recorded) if there is none."""
    user = store.user_by_name(email) if email else None
    if user is None or user.disabled:
        store.log("log-in failed", None, {"user_name": email, "client": client,
                                          "method": "single sign-on",
                                          "reason": "no such active account"}, ANONYMOUS)
        raise LoginRefused(f"{email or 'this sign-on'} has no active gait-ID account; an "
                           "administrator adds it (user name = the e-mail address)")
    store.log("logged in", None, {"client": client, "method": "single sign-on"}, user.user_name)
    return user


def log_out(store: CaseStore, user: User, reason: str = "logged out") -> None:
    """Record the end of a session (``logged out`` or ``session expired``)."""
    store.log(reason, None, {}, user.user_name)


def create_first_administrator(store: CaseStore, user_name: str, display_name: str,
                               password: str) -> User:
    """The first account of a fresh store (an administrator, given the store's cases).

    Raises
    ------
    StoreError
        If an account exists already, or the name or password is refused.
    """
    if store.has_users():
        raise StoreError("the first administrator exists already; log in")
    return store.add_user(user_name, display_name, ADMINISTRATOR,
                          hash_password(password, user_name), actor=user_name)


def idle_timeout_s() -> float:
    """Seconds of inactivity after which a dashboard session ends (``GAIT_SESSION_IDLE_MINUTES``,
    default 30)."""
    text = os.environ.get(IDLE_MINUTES_ENV, "").strip()
    try:
        minutes = float(text) if text else DEFAULT_IDLE_MINUTES
    except ValueError as exc:
        raise StoreError(f"{IDLE_MINUTES_ENV} must be a number of minutes, not {text!r}") from exc
    if not math.isfinite(minutes) or minutes <= 0:
        raise StoreError(f"{IDLE_MINUTES_ENV} must be a positive number of minutes")
    return minutes * 60.0
