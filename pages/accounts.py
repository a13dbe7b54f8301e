"""Accounts page (administrators): create, disable and change accounts; the sign-in record."""

import pandas as pd
import streamlit as st

from gait.case import accounts
from gait.case.store import USER_ROLES, StoreError
from gait.case.store.permissions import MANAGE_USERS
from gait.media.files import IMPORT_ROOT_ENV, import_root
from ui import common

st.title("Accounts")
store = common.store()
if not store.may(MANAGE_USERS):
    st.error("Only administrators manage accounts.", icon=":material/block:")
    st.stop()
st.write("Investigators create cases and work on those they are members of; reviewers read "
         "the cases they are members of and change nothing; administrators manage accounts "
         "and see no case they are not a member of. A case's owner adds its members on the "
         "Case page.")

users = store.users()
st.dataframe(pd.DataFrame([{
    "user name": u.user_name, "name": u.display_name, "role": u.role,
    "state": "disabled" if u.disabled else "active",
    "log-in": "password" if u.has_password else "single sign-on", "created": u.created_at,
} for u in users]), hide_index=True)

new_col, change_col = st.columns(2)
with new_col, st.form("new_account", clear_on_submit=True, border=True):
    st.subheader("New account")
    user_name = st.text_input("User name (the e-mail address for single sign-on)")
    display_name = st.text_input("Full name")
    role = st.selectbox("Role", USER_ROLES, index=1)
    sso_only = st.checkbox("Single sign-on only (no password)")
    password = st.text_input("First password (at least 12 characters; tell it to the person "
                             "in private)", type="password")
    if st.form_submit_button("Create the account", icon=":material/person_add:"):
        with common.guard("Creating the account"):
            hashed = None if sso_only else accounts.hash_password(password, user_name)
            created = store.add_user(user_name, display_name, role, hashed)
            st.toast(f"Account {created.user_name} created.")
            st.rerun()

with change_col, st.container(border=True):
    st.subheader("Change an account")
    target = st.selectbox("Account", users, format_func=lambda u: u.label, key="target")
    if target is not None:
        with st.form("change_account", border=False):
            new_role = st.selectbox("Role", USER_ROLES, index=USER_ROLES.index(target.role))
            new_password = st.text_input("New password (leave empty to keep it)",
                                         type="password")
            if st.form_submit_button("Save", icon=":material/save:"):
                with common.guard("Changing the account"):
                    if new_role != target.role:
                        store.set_user_role(target.user_name, new_role)
                    if new_password:
                        store.set_password_hash(
                            target.user_name,
                            accounts.hash_password(new_password, target.user_name))
                    st.toast(f"Account {target.user_name} saved.")
                    st.rerun()
        label = "Enable the account" if target.disabled else "Disable the account"
        if st.button(label, icon=":material/block:", key="toggle_disabled"):
            with common.guard("Changing the account"):
                store.set_user_disabled(target.user_name, not target.disabled)
                st.rerun()

with st.expander("Settings (set on the server, in the environment of `./run app`)"):
    root = import_root()
    with common.guard("Reading the settings"):
        st.markdown(
            f"- `{IMPORT_ROOT_ENV}`: the only folder whose keypoint data sets the Enrolment "
            f"page may import; now **{root or 'not set: import from the server is off'}**\n"
            f"- `{accounts.IDLE_MINUTES_ENV}`: minutes without activity after which a "
            f"session ends; now **{accounts.idle_timeout_s() / 60:g}**")

with st.expander("Accounts and log-in record (append-only)"):
    try:
        events = store.audit()  # the events of no case: accounts and log-ins
    except StoreError as error:
        st.error(common.one_line(error))
        events = []
    st.dataframe(pd.DataFrame([{
        "when": e.at, "action": e.action, "by": e.actor,
        "details": ", ".join(f"{k}: {v}" for k, v in sorted(e.details.items())),
    } for e in reversed(events[-500:])]), hide_index=True)
