"""Prediction page: who, among the suspects, walks like the person in the evidence clip?"""


import pandas as pd
import streamlit as st

from gait.case import evidence, intake
from ui import case_review, common, identification_view, walks

st.title("Prediction")
case = common.case_picker()
store = common.store()
actor = common.actor()

models = store.models(case.case_id)
if not models:
    st.info("Train a model first (Training page).", icon=":material/info:")
    st.page_link("pages/training.py", label="Open the Training page",
                 icon=":material/model_training:")
    st.stop()

model = st.selectbox(
    "Model", list(reversed(models)),
    format_func=lambda m: (f"model #{m.model_id}: {m.view} view, {len(m.suspects)} suspects, "
                           f"trained {m.created_at}"))
st.caption(f"Suspects of this model: {', '.join(model.suspects)}")

can_change = common.read_only_notice(case)
sources = ["Upload a new clip", "Use a stored evidence clip"] if can_change else []
source = st.radio("Evidence", sources, horizontal=True) if sources else None
PENDING = f"evidence_recording_{case.case_id}"  # a stored recording awaiting a choice of walk
clip_id = None
if source == "Upload a new clip":
    upload = st.file_uploader(
        f"Evidence clip, {model.view} camera ({', '.join(intake.VIDEO_EXTENSIONS)}; at most "
        f"{intake.MAX_UPLOAD_MB} MB). It is stored unchanged, by its SHA-256.",
        type=[e.lstrip(".") for e in intake.VIDEO_EXTENSIONS])
    if st.button("Store and identify", type="primary", disabled=upload is None,
                 icon=":material/policy:"):
        with common.guard("Reading the evidence"), common.uploaded_file(upload) as path:
            stored = intake.store_recording(store, case.case_id, path, upload.name, "evidence",
                                            progress=walks.scan_progress(upload.name),
                                            actor=actor)
            if stored.recording is None:
                st.error(f"{upload.name}: refused, {stored.refused_reason}",
                         icon=":material/block:")
            elif stored.recording.needs_choice:
                st.session_state[PENDING] = stored.recording.video_sha256
            else:
                clip_id = common.evidence_walk(store, case.case_id, stored.recording,
                                               model.view, None, actor)
    pending = st.session_state.get(PENDING)
    if pending is not None and clip_id is None:
        with st.container(border=True), common.guard("Choosing the walk"):
            recording = intake.stored_recording(store, case.case_id, pending)
            choice = walks.walk_picker(recording, key="evidence")
            if st.button("Analyse this walk and identify", type="primary",
                         icon=":material/policy:"):
                clip_id = common.evidence_walk(store, case.case_id, recording, model.view,
                                               choice, actor)
elif source is not None:
    stored_clips = store.clips(case.case_id, view=model.view, role="evidence")
    if not stored_clips:
        st.info(f"No stored {model.view}-view evidence clip in this case.",
                icon=":material/info:")
    else:
        chosen = st.selectbox("Stored evidence clip", stored_clips,
                              format_func=lambda c: common.clip_label(c, {}))
        if st.button("Identify", type="primary", icon=":material/policy:"):
            clip_id = chosen.clip_id
        if chosen.video_sha256:
            with st.expander("Analyse another person or walk of this recording"), \
                    common.guard("Choosing the walk"):
                recording = intake.stored_recording(store, case.case_id, chosen.video_sha256)
                choice = walks.walk_picker(recording, key=f"stored-{chosen.clip_id}")
                if st.button("Analyse this walk and identify", icon=":material/policy:"):
                    clip_id = common.evidence_walk(store, case.case_id, recording, model.view,
                                                   choice, actor)

if clip_id is not None:
    st.session_state.pop(PENDING, None)
    with common.guard("Identification"), st.spinner("Identifying ..."):
        outcome = evidence.identify_clip(store, case.case_id, clip_id, model.model_id,
                                         actor=actor)
        st.session_state["identification"] = outcome

outcome = st.session_state.get("identification")
if outcome is not None and outcome.record.case_id == case.case_id:
    identification_view.show_outcome(store, outcome, actor)

history = store.identifications(case.case_id)
if history:
    with st.expander(f"All identifications in this case ({len(history)})"):
        st.dataframe(pd.DataFrame([{
            "id": r.identification_id, "when": r.created_at, "evidence clip": r.clip_id,
            "model": r.model_id, "verdict": r.verdict, "suspect": r.suspect or "",
            "top log10 LR": r.result.get("open_set_score")
            if r.result.get("likelihood") else None, "by": r.added_by,
        } for r in reversed(history)]), hide_index=True)
        by_id = {r.identification_id: r for r in history}
        picked = st.selectbox("Case report of an identification", list(by_id), index=None,
                              format_func=lambda i: f"identification #{i}",
                              placeholder="choose an identification", key="report_of")
    if picked is not None:
        case_review.show_report(store, by_id[picked], actor)
