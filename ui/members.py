"""The members of a case on the Case page: who may open it, and (for its owner) adding,
removing and handing it over."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gait.case.store import Case, CaseStore
from gait.case.store.permissions import INVESTIGATOR, MANAGE_MEMBERS
from ui import common


def show_members(store: CaseStore, case: Case) -> None:
    """List the case's members; its owner also adds, removes and hands over."""
    members = store.members(case.case_id)
    st.subheader("Members")
    st.dataframe(pd.DataFrame([{
        "member": m.user.display_name, "user name": m.user.user_name, "role": m.user.role,
        "owner": m.owner, "added": m.added_at, "added by": m.added_by,
    } for m in members]), hide_index=True)
    if not store.may(MANAGE_MEMBERS, case.case_id):
        st.caption("The case's owner adds and removes its members.")
        return
    inside = {m.user.user_name for m in members}
    others = [u for u in store.users() if u.user_name not in inside and not u.disabled]
    add_col, remove_col, hand_col = st.columns(3)
    with add_col:
        newcomer = st.selectbox("Add a member", others, format_func=lambda u: u.label,
                                index=None, placeholder="an account", key="member_add")
        if st.button("Add", disabled=newcomer is None, icon=":material/group_add:"):
            with common.guard("Adding the member"):
                store.add_member(case.case_id, newcomer.user_name)
                st.rerun()
    removable = [m.user for m in members if not m.owner]
    with remove_col:
        leaving = st.selectbox("Remove a member", removable, format_func=lambda u: u.label,
                               index=None, placeholder="a member", key="member_remove")
        if st.button("Remove", disabled=leaving is None, icon=":material/group_remove:"):
            with common.guard("Removing the member"):
                store.remove_member(case.case_id, leaving.user_name)
                st.rerun()
    heirs = [u for u in removable if u.role == INVESTIGATOR]
    with hand_col:
        heir = st.selectbox("Hand the case to", heirs, format_func=lambda u: u.label,
                            index=None, placeholder="an investigator member", key="member_heir")
        if st.button("Hand over", disabled=heir is None, icon=":material/swap_horiz:"):
            with common.guard("Handing the case over"):
                store.transfer_ownership(case.case_id, heir.user_name)
                st.rerun()
