"""Who is using the dashboard: the first administrator, the log-in, log-out and idle sessions.

The signed-in account's user name is kept in the session state (on the server, one per
browser connection; a browser cannot write it, and no cookie carries it, so a reload asks for
the log-in again). Every page run re-reads the account, so a disabled account is signed out at
its next click, and ends a session idle for longer than ``GAIT_SESSION_IDLE_MINUTES``
(default 30). Pages get the case store only as a handle acting for that account
(:func:`ui.common.store`), which refuses whatever the account may not do.

Single sign-on: when ``.streamlit/secrets.toml`` has an ``[auth]`` section (Streamlit's
OpenID Connect configuration), the log-in page also offers "Log in with single sign-on"
(``st.login``); the e-mail address the provider vouches for must be the user name of an
active account, whose role and memberships the case store holds as for a password account.
"""

from __future__ import annotations

import time

import streamlit as st

from gait.case import accounts
from gait.case.store import StoreError, User
from ui import common

NOTICE_KEY = "login_notice"


def client() -> str:
    """The browser's address (``local`` on this machine), a key of the log-in throttle."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "local"


def single_sign_on_configured() -> bool:
    """True if ``secrets.toml`` configures an OpenID Connect provider (``[auth]``)."""
    try:
        return st.secrets.load_if_toml_exists() and "auth" in st.secrets
    except Exception:  # a malformed secrets.toml: Streamlit reports it; password log-in stays
        common.LOG.exception("secrets.toml cannot be read; single sign-on is off")
        return False


def _sign_in(user: User) -> None:
    st.session_state[common.USER_KEY] = user.user_name
    st.session_state[common.LAST_SEEN_KEY] = time.monotonic()
    st.session_state.pop(common.CASE_KEY, None)


def _sign_out(notice: str | None = None) -> None:
    for key in (common.USER_KEY, common.LAST_SEEN_KEY, common.CASE_KEY, "case_picker",
                "identification"):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def current_user() -> User | None:
    """The signed-in, active account of this session, or ``None`` (signed out: never signed
    in, idle too long, or the account disabled since)."""
    name = st.session_state.get(common.USER_KEY)
    if not name:
        return None
    raw = common.machine_store()
    user = raw.user_by_name(name)
    idle_s = accounts.idle_timeout_s()
    last = float(st.session_state.get(common.LAST_SEEN_KEY, 0.0))
    if user is None or user.disabled:
        _sign_out("Your account was disabled; ask an administrator.")
        return None
    if time.monotonic() - last > idle_s:
        accounts.log_out(raw, user, "session expired")
        _sign_out(f"Your session ended after {idle_s / 60:g} minutes without activity; log in "
                  "again.")
        return None
    st.session_state[common.LAST_SEEN_KEY] = time.monotonic()
    return user


def _notice() -> None:
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice, icon=":material/logout:")


def first_administrator_page() -> None:
    """A fresh data folder: create the first account, an administrator's."""
    st.title("gait-ID: create the first administrator")
    st.write("This data folder has no account yet. The first account is an administrator's: "
             "it creates the investigators' and reviewers' accounts (Accounts page) and sees "
             "no case it is not a member of. The cases already in the folder, if any, are "
             "given to it to assign.")
    with st.form("first_administrator", border=True):
        user_name = st.text_input("User name", max_chars=120)
        display_name = st.text_input("Full name")
        password = st.text_input("Password (at least 12 characters)", type="password")
        again = st.text_input("The same password again", type="password")
        if st.form_submit_button("Create the administrator", type="primary",
                                 icon=":material/admin_panel_settings:"):
            with common.guard("Creating the administrator"):
                if password != again:
                    raise StoreError("the two passwords differ")
                user = accounts.create_first_administrator(
                    common.machine_store(), user_name, display_name, password)
                accounts.log_in(common.machine_store(), user.user_name, password,
                                client=client())
                _sign_in(user)
                st.rerun()


def login_page() -> None:
    """The log-in form (and single sign-on when configured)."""
    st.title("gait-ID: log in")
    _notice()
    if single_sign_on_configured():
        _single_sign_on()
    with st.form("login", border=True):
        user_name = st.text_input("User name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Log in", type="primary", icon=":material/login:"):
            with common.guard("Log-in"):
                user = accounts.log_in(common.machine_store(), user_name, password,
                                       client=client())
                _sign_in(user)
                st.rerun()
    st.caption("Forgotten password or no account: ask an administrator. An administrator "
               "locked out resets a password on the server with `python -m gait users passwd "
               "NAME`.")


def _single_sign_on() -> None:
    if st.user.is_logged_in:
        with common.guard("Single sign-on"):
            email = str(st.user.get("email") or "")
            _sign_in(accounts.log_in_single_sign_on(common.machine_store(), email, client()))
            st.rerun()
    st.button("Log in with single sign-on", on_click=st.login, icon=":material/key:")
    st.divider()


def account_sidebar(user: User) -> None:
    """Who is signed in, and the log-out button."""
    with st.sidebar:
        st.caption(f"Signed in as **{user.display_name}** ({user.user_name}, {user.role})")
        if st.button("Log out", icon=":material/logout:", key="logout"):
            accounts.log_out(common.machine_store(), user)
            _sign_out("You are logged out.")
            if single_sign_on_configured() and st.user.is_logged_in:
                st.logout()
            st.rerun()
