"""Accounts, case membership and the acting user of the case store.

A store opened on a data folder acts for the machine's operator (the command line, scripts,
the tests): it checks nothing. :meth:`UserTable.acting_as` gives a handle on the same store
that acts for one user: every read and write of the tables above this one asks
:meth:`UserTable.require` first, which applies the rule table of
:mod:`gait.case.store.permissions` (re-reading the user's role, whether the account is
disabled, and their membership of the case, so that a change takes effect at once), and every
audit event it writes carries that user's name.

Passwords never reach this module: it stores the Argon2id hashes that
:mod:`gait.case.accounts` makes (a CHECK constraint refuses anything else), and never returns
them except to the log-in (:meth:`UserTable.credentials`, refused to a bound handle).
"""

from __future__ import annotations

import copy
import os
import sqlite3
from collections.abc import Mapping
from typing import Any, Self

from gait.case.store import permissions
from gait.case.store.database import Database, utc_now
from gait.case.store.permissions import (
    ADMINISTRATOR,
    INVESTIGATOR,
    MANAGE_MEMBERS,
    MANAGE_USERS,
    OPEN_CASE,
    READ_ACCOUNT_LOG,
    USER_ROLES,
    AccessDenied,
    Standing,
)
from gait.case.store.records import AuditEvent, Member, StoreError, User, clean_name, one_line

MAX_USER_NAME_CHARS = 120


def _user(row: sqlite3.Row) -> User:
    return User(row["user_id"], row["user_name"], row["display_name"], row["role"],
                bool(row["disabled"]), row["password_hash"] is not None, row["created_at"])


def check_role(role: str) -> str:
    """``role`` if it is one of the roles, else StoreError."""
    if role not in USER_ROLES:
        raise StoreError(f"unknown role {role!r}; the roles are {', '.join(USER_ROLES)}")
    return role


def check_user_name(name: str) -> str:
    """A user name on one line without spaces (StoreError otherwise)."""
    name = one_line(name or "")
    if not name:
        raise StoreError("the account needs a user name")
    if " " in name or len(name) > MAX_USER_NAME_CHARS:
        raise StoreError(f"a user name has no spaces and at most {MAX_USER_NAME_CHARS} "
                         f"characters: {name[:40]!r}")
    return name


def account_throttle_key(user_name: str) -> str:
    """The key under which an account's failed log-ins are counted."""
    return f"account:{user_name.strip().lower()}"


class UserTable(Database):
    """Accounts, memberships and the acting user (see the module docstring)."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self._user: User | None = None
        super().__init__(data_dir)

    @property
    def user(self) -> User | None:
        """The account this handle acts for (as it was when bound), or ``None`` for the
        machine's operator."""
        return self._user

    # -- the acting user ---------------------------------------------------------------------
    def acting_as(self, user: User | str) -> Self:
        """A handle on this store that acts for ``user`` (a record or a user name).

        Raises
        ------
        StoreError
            If there is no such account.
        AccessDenied
            If the account is disabled, or this handle already acts for another account (a
            handle never becomes someone else's).
        """
        name = user.user_name if isinstance(user, User) else str(user)
        if self._user is not None and name.lower() != self._user.user_name.lower():
            raise AccessDenied(f"a handle acting for {self._user.user_name} cannot act for "
                               "another account")
        current = self.user_by_name(name)
        if current is None:
            raise StoreError(f"there is no account {name!r}")
        if current.disabled:
            raise AccessDenied(f"the account {current.user_name} is disabled")
        bound = copy.copy(self)
        bound._user = current
        return bound

    def _who(self, actor: str = "") -> str:
        """The name the audit log records: the acting user's, else ``actor``."""
        return self.user.user_name if self.user is not None else (actor or "")

    def _log(self, conn: sqlite3.Connection, action: str, case_id: int | None,
             details: Mapping[str, Any], actor: str) -> None:
        super()._log(conn, action, case_id, details, self._who(actor))

    def _standing(self, case_id: int | None) -> Standing:
        user = self._user
        assert user is not None
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM users WHERE user_id = ?",
                               (user.user_id,)).fetchone()
            if row is None:
                raise AccessDenied(f"the account {user.user_name} no longer exists")
            member = owner = False
            if case_id is not None:
                member = conn.execute(
                    "SELECT 1 FROM case_members WHERE case_id = ? AND user_id = ?",
                    (case_id, user.user_id)).fetchone() is not None
                owner = conn.execute(
                    "SELECT 1 FROM cases WHERE case_id = ? AND owner_id = ?",
                    (case_id, user.user_id)).fetchone() is not None
        return Standing(row["user_name"], row["role"], bool(row["disabled"]), member, owner)

    def require(self, action: str, case_id: int | None = None) -> None:
        """Refuse ``action`` (AccessDenied) unless the acting user may do it (nothing is
        refused to the machine's operator).

        Parameters
        ----------
        action : str
            One of :data:`gait.case.store.permissions.ACTIONS`.
        case_id : int, optional
            The case of an action on a case.
        """
        if self.user is not None:
            permissions.require(self._standing(case_id), action, case_id)

    def log(self, action: str, case_id: int | None = None,
            details: Mapping[str, Any] | None = None, actor: str = "") -> None:
        """Append an event to the audit log (of a case the acting user may open)."""
        if case_id is not None:
            self.require(OPEN_CASE, case_id)
        super().log(action, case_id, details, actor)

    def audit(self, case_id: int | None = None) -> list[AuditEvent]:
        """The audit log of a case the acting user may open; without a case, the events of
        no case (accounts, log-ins; administrators only), or, for the machine's operator,
        the whole log."""
        if case_id is not None:
            self.require(OPEN_CASE, case_id)
            return super().audit(case_id)
        self.require(READ_ACCOUNT_LOG)
        events = super().audit(None)
        return events if self._user is None else [e for e in events if e.case_id is None]

    def may(self, action: str, case_id: int | None = None) -> bool:
        """True if the acting user may do ``action`` (always for the machine's operator)."""
        try:
            self.require(action, case_id)
        except AccessDenied:
            return False
        return True

    # -- accounts ----------------------------------------------------------------------------
    def users(self) -> list[User]:
        """Every account, by user name."""
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM users ORDER BY user_name").fetchall()
        return [_user(r) for r in rows]

    def has_users(self) -> bool:
        """True once the first account exists."""
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def user_by_name(self, user_name: str) -> User | None:
        """The account with this user name (case-insensitive), or ``None``."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM users WHERE user_name = ?",
                               (one_line(user_name),)).fetchone()
        return None if row is None else _user(row)

    def _named(self, user_name: str) -> User:
        found = self.user_by_name(user_name)
        if found is None:
            raise StoreError(f"there is no account {one_line(user_name)!r}")
        return found

    def add_user(self, user_name: str, display_name: str, role: str,
                 password_hash: str | None, actor: str = "") -> User:
        """Create an account (the first one must be an administrator's).

        The first administrator is given every case that has no owner yet (the cases of a
        store from before accounts), recorded in each case's audit log.

        Parameters
        ----------
        user_name, display_name : str
        role : str
            One of :data:`gait.case.store.permissions.USER_ROLES`.
        password_hash : str or None
            An Argon2id hash (:func:`gait.case.accounts.hash_password`); None for an account
            that signs in through single sign-on only.
        actor : str

        Raises
        ------
        StoreError
            Bad or taken name, unknown role, first account not an administrator.
        AccessDenied
            If the acting user may not manage users.
        """
        user_name = check_user_name(user_name)
        display_name = clean_name(display_name or user_name, "person")
        check_role(role)
        first = not self.has_users()
        if not first:
            self.require(MANAGE_USERS)
        elif role != ADMINISTRATOR:
            raise StoreError("the first account must be an administrator's")
        try:
            with self._write() as conn:
                if first and conn.execute("SELECT 1 FROM users").fetchone():
                    raise StoreError("the first administrator was created a moment ago; log in")
                no_admin = conn.execute("SELECT 1 FROM users WHERE role = ?",
                                        (ADMINISTRATOR,)).fetchone() is None
                cursor = conn.execute(
                    "INSERT INTO users (user_name, display_name, role, password_hash, "
                    "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                    (user_name, display_name, role, password_hash, utc_now(),
                     self._who(actor) or user_name))
                user_id = int(cursor.lastrowid or 0)
                self._log(conn, "account created", None, {
                    "user_name": user_name, "display_name": display_name, "role": role,
                    "single_sign_on_only": password_hash is None}, self._who(actor) or user_name)
                if role == ADMINISTRATOR and no_admin:
                    self._give_unowned_cases(conn, user_id, user_name)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"an account named {user_name!r} already exists") from exc
        return self._named(user_name)

    def _give_unowned_cases(self, conn: sqlite3.Connection, user_id: int,
                            user_name: str) -> None:
        rows = conn.execute("SELECT case_id FROM cases WHERE owner_id IS NULL").fetchall()
        for row in rows:
            conn.execute("UPDATE cases SET owner_id = ? WHERE case_id = ?",
                         (user_id, row["case_id"]))
            conn.execute("INSERT OR IGNORE INTO case_members (case_id, user_id, added_at, "
                         "added_by) VALUES (?, ?, ?, ?)",
                         (row["case_id"], user_id, utc_now(), user_name))
            self._log(conn, "case given to the first administrator", row["case_id"],
                      {"owner": user_name}, user_name)

    def _change_user(self, user_name: str, column: str, value: object, action: str,
                     details: dict[str, object], actor: str) -> User:
        target = self._named(user_name)
        with self._write() as conn:
            conn.execute(f"UPDATE users SET {column} = ? WHERE user_id = ?",
                         (value, target.user_id))
            if conn.execute("SELECT 1 FROM users WHERE role = ? AND disabled = 0",
                            (ADMINISTRATOR,)).fetchone() is None:
                raise StoreError("this would leave no active administrator")
            self._log(conn, action, None, {"user_name": target.user_name, **details},
                      self._who(actor))
        return self._named(user_name)

    def set_user_disabled(self, user_name: str, disabled: bool, actor: str = "") -> User:
        """Disable an account (it can no longer log in or act) or enable it again."""
        self.require(MANAGE_USERS)
        if disabled and self.user is not None and self.user.user_name == \
                self._named(user_name).user_name:
            raise StoreError("an administrator cannot disable their own account")
        return self._change_user(user_name, "disabled", int(bool(disabled)),
                                 "account disabled" if disabled else "account enabled", {},
                                 actor)

    def set_user_role(self, user_name: str, role: str, actor: str = "") -> User:
        """Change an account's role."""
        self.require(MANAGE_USERS)
        before = self._named(user_name).role
        return self._change_user(user_name, "role", check_role(role), "role changed",
                                 {"from": before, "to": role}, actor)

    def set_password_hash(self, user_name: str, password_hash: str, actor: str = "") -> User:
        """Replace an account's password hash (an administrator, or the user themselves); its
        failed log-ins are forgotten, so a lock after them is lifted."""
        if self.user is None or self.user.user_name != self._named(user_name).user_name:
            self.require(MANAGE_USERS)
        try:
            changed = self._change_user(user_name, "password_hash", password_hash,
                                        "password changed", {}, actor)
        except sqlite3.IntegrityError as exc:
            raise StoreError("a password is stored only as an Argon2id hash") from exc
        with self._write() as conn:
            conn.execute("DELETE FROM login_failures WHERE key = ?",
                         (account_throttle_key(changed.user_name),))
        return changed

    def credentials(self, user_name: str) -> tuple[User, str | None] | None:
        """The account and its password hash, for the log-in only; ``None`` if unknown.

        Raises
        ------
        AccessDenied
            On a handle acting for a user: nobody reads hashes through the dashboard.
        """
        if self.user is not None:
            raise AccessDenied("password hashes are read only by the log-in")
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM users WHERE user_name = ?",
                               (one_line(user_name),)).fetchone()
        return None if row is None else (_user(row), row["password_hash"])

    # -- members -----------------------------------------------------------------------------
    def members(self, case_id: int) -> list[Member]:
        """The members of a case, owner first."""
        self.require(OPEN_CASE, case_id)
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT u.*, m.added_at AS m_added_at, m.added_by AS m_added_by, "
                "(c.owner_id = u.user_id) AS is_owner FROM case_members m "
                "JOIN users u ON u.user_id = m.user_id JOIN cases c ON c.case_id = m.case_id "
                "WHERE m.case_id = ? ORDER BY is_owner DESC, u.user_name", (case_id,)
            ).fetchall()
        return [Member(case_id, _user(r), bool(r["is_owner"]), r["m_added_at"], r["m_added_by"])
                for r in rows]

    def _join(self, conn: sqlite3.Connection, case_id: int, user: User, actor: str) -> None:
        conn.execute("INSERT INTO case_members (case_id, user_id, added_at, added_by) "
                     "VALUES (?, ?, ?, ?)", (case_id, user.user_id, utc_now(), self._who(actor)))
        self._log(conn, "member added", case_id,
                  {"member": user.user_name, "role": user.role}, actor)

    def add_member(self, case_id: int, user_name: str, actor: str = "") -> Member:
        """Make an active account a member of the case (the owner only)."""
        self.require(MANAGE_MEMBERS, case_id)
        user = self._named(user_name)
        if user.disabled:
            raise StoreError(f"the account {user.user_name} is disabled")
        try:
            with self._write() as conn:
                self._join(conn, case_id, user, actor)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"{user.user_name} is already a member of case #{case_id}") from exc
        return next(m for m in self.members(case_id) if m.user.user_id == user.user_id)

    def remove_member(self, case_id: int, user_name: str, actor: str = "") -> None:
        """Remove a member from the case (the owner only; never the owner)."""
        self.require(MANAGE_MEMBERS, case_id)
        user = self._named(user_name)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM cases WHERE case_id = ? AND owner_id = ?",
                            (case_id, user.user_id)).fetchone():
                raise StoreError("the owner cannot be removed; hand the case to another "
                                 "member first")
            gone = conn.execute("DELETE FROM case_members WHERE case_id = ? AND user_id = ?",
                                (case_id, user.user_id)).rowcount
            if not gone:
                raise StoreError(f"{user.user_name} is not a member of case #{case_id}")
            self._log(conn, "member removed", case_id, {"member": user.user_name}, actor)

    def transfer_ownership(self, case_id: int, user_name: str, actor: str = "") -> None:
        """Hand the case to another member, an active investigator (the owner only)."""
        self.require(MANAGE_MEMBERS, case_id)
        user = self._named(user_name)
        if user.role != INVESTIGATOR or user.disabled:
            raise StoreError(f"a case is owned by an active investigator; {user.user_name} is "
                             f"{'disabled' if user.disabled else 'a ' + user.role}")
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM case_members WHERE case_id = ? AND user_id = ?",
                                (case_id, user.user_id)).fetchone():
                raise StoreError(f"{user.user_name} is not a member of case #{case_id}; "
                                 "add them first")
            conn.execute("UPDATE cases SET owner_id = ? WHERE case_id = ?",
                         (user.user_id, case_id))
            self._log(conn, "case handed over", case_id, {"owner": user.user_name}, actor)

    def _new_case_owner(self, conn: sqlite3.Connection, case_id: int, actor: str) -> None:
        """Make the acting user the owner and first member of a case just created."""
        if self.user is not None:
            conn.execute("UPDATE cases SET owner_id = ? WHERE case_id = ?",
                         (self.user.user_id, case_id))
            self._join(conn, case_id, self.user, actor)

    # -- failed log-ins ----------------------------------------------------------------------
    def login_failures(self, key: str) -> tuple[int, float, float]:
        """(failures, time of the last one, locked until) for a throttle key (Unix seconds)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM login_failures WHERE key = ?", (key,)).fetchone()
        return (0, 0.0, 0.0) if row is None else (
            int(row["failures"]), float(row["last_failure_at"]), float(row["locked_until"]))

    def set_login_failures(self, key: str, failures: int, last_failure_at: float,
                           locked_until: float) -> None:
        """Record the failed log-ins of a throttle key (zero failures clears it; the log-in
        only: refused to a handle acting for a user)."""
        if self._user is not None:
            raise AccessDenied("the failed log-in counters are kept by the log-in only")
        with self._write() as conn:
            if failures <= 0:
                conn.execute("DELETE FROM login_failures WHERE key = ?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO login_failures VALUES (?, ?, ?, ?)",
                             (key, failures, last_failure_at, locked_until))
