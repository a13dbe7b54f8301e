"""Case page: create or pick a case, see what it holds and the next step to take."""

import pandas as pd
import streamlit as st

from gait.case.store.permissions import CREATE_CASE
from ui import common, members

NEXT_PAGE = {
    "Enrolment": ("pages/enrolment.py", ":material/person_add:"),
    "Training": ("pages/training.py", ":material/model_training:"),
    "Prediction": ("pages/prediction.py", ":material/policy:"),
}

st.title("gait-ID")
st.write("Identify a person among a pool of suspects from the way they walk: enrol walking "
         "clips of the suspects, train a model per camera view, then ask who walks like the "
         "person in an evidence clip, or whether none of them does.")

store = common.store()
if store.may(CREATE_CASE):
    new_col, demo_col = st.columns([2, 1])
    with new_col, st.form("new_case", clear_on_submit=True, border=True):
        st.subheader("New case")
        name = st.text_input("Case name", placeholder="e.g. 2026-0412 Harbour Street")
        notes = st.text_area("Notes (optional)", height=70)
        if st.form_submit_button("Create case", icon=":material/add:"):
            with common.guard("Creating the case"):
                case = store.create_case(name, notes)
                common.select_case(case.case_id)
                st.toast(f"Case '{case.name}' created.")
    with demo_col, st.container(border=True):
        st.subheader("Try it")
        st.write("A demo case of synthetic walkers (procedurally generated, not real people) "
                 "lets you try every page at once.")
        if st.button("Open the synthetic demo case", icon=":material/science:"):
            with common.guard("Building the demo case"), st.spinner("Building the demo case ..."):
                from gait.case.demo import build_demo_case

                case = build_demo_case(store)
                common.select_case(case.case_id)

case = common.case_picker(required=False)
if case is None:
    st.info("No case yet: create one above, or open the synthetic demo case."
            if store.may(CREATE_CASE) else "No case yet that you are a member of: a case's "
            "owner adds you to it.", icon=":material/info:")
    st.stop()

summary = store.summary(case.case_id)
st.header(case.name)
if case.synthetic:
    st.warning("Synthetic demo case: the walkers are procedurally generated, not real people.",
               icon=":material/science:")
if case.notes:
    st.caption(case.notes)
cols = st.columns(6)
cols[0].metric("Suspects", summary.n_suspects)
cols[1].metric("Side clips", summary.clips_by_view.get("side", 0))
cols[2].metric("Front clips", summary.clips_by_view.get("front", 0))
cols[3].metric("Evidence clips", summary.n_evidence_clips)
cols[4].metric("Models", summary.n_models)
cols[5].metric("Identifications", summary.n_identifications)

st.info(f"Next step: {summary.next_step}", icon=":material/arrow_forward:")
for label, (page, icon) in NEXT_PAGE.items():
    if label in summary.next_step:
        st.page_link(page, label=f"Open the {label} page", icon=icon)

suspects = store.suspects(case.case_id)
if suspects:
    clips = store.clips(case.case_id, role="enrolment")
    counts = pd.DataFrame([(c.suspect_id, c.view) for c in clips], columns=["suspect_id", "view"])
    table = pd.DataFrame({
        "suspect": [s.name for s in suspects],
        "side clips": [int(((counts.suspect_id == s.suspect_id) & (counts.view == "side")).sum())
                       for s in suspects],
        "front clips": [int(((counts.suspect_id == s.suspect_id)
                             & (counts.view == "front")).sum()) for s in suspects],
        "notes": [s.notes for s in suspects],
    })
    st.subheader("Suspects")
    st.dataframe(table, hide_index=True)

identifications = store.identifications(case.case_id)
if identifications:
    st.subheader("Identifications")
    st.dataframe(pd.DataFrame([{
        "when": r.created_at, "evidence clip": r.clip_id, "model": r.model_id,
        "verdict": r.verdict, "suspect": r.suspect or "",
        "calibrated probability": r.calibrated_probability,
    } for r in reversed(identifications)]), hide_index=True)

members.show_members(store, case)

with st.expander("Audit log (append-only)"):
    events = store.audit(case.case_id)
    st.dataframe(pd.DataFrame([{
        "when": e.at, "action": e.action, "by": e.actor, "software": e.software_version,
        "details": str(e.details),
    } for e in reversed(events)]), hide_index=True)
