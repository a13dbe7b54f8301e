"""For case reviews on the Prediction page: the signed case report of an identification, and
the evidence beside a suspect's enrolment walk."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gait.case.store import CaseStore, Clip, IdentificationRecord
from ui import common

# The report (fpdf2, matplotlib, cryptography) and the review (PyAV) are imported when first
# shown, after an identification, so that they never slow the page's first render.


def show_report(store: CaseStore, record: IdentificationRecord, actor: str) -> None:
    """Make the signed PDF report of an identification, check it, offer both files."""
    from gait.case.report_pdf import report_path, write_case_report
    from gait.case.signing import signature_path, signing_key, verify_report

    st.subheader("Case report")
    st.caption("A PDF with the propositions, the LRs and their validation, the evidence and "
               "enrolment material with their hashes, the model, the limitations and the audit "
               "trail, signed with this installation's key (Ed25519). Check it with "
               "`python -m gait verify-report report.pdf`.")
    pdf = report_path(store, record.identification_id)
    if st.button("Make the signed case report", icon=":material/picture_as_pdf:",
                 key=f"report-{record.identification_id}"):
        with common.guard("The case report"), st.spinner("Writing the report ..."):
            write_case_report(store, record.identification_id, pdf, actor=actor)
    if not pdf.is_file():
        return
    with common.guard("The case report"):
        check = verify_report(pdf, signing_key(store.data_dir).public_key())
        (st.success if check.intact else st.error)(check.message, icon=":material/verified:")
        left, right = st.columns(2)
        left.download_button("Download the report (PDF)", pdf.read_bytes(), pdf.name,
                             "application/pdf", icon=":material/download:", on_click="ignore",
                             key=f"report-pdf-{record.identification_id}")
        signature = signature_path(pdf)
        if signature.is_file():
            right.download_button("Download its signature", signature.read_bytes(),
                                  signature.name, "application/json",
                                  icon=":material/download:", on_click="ignore",
                                  key=f"report-sig-{record.identification_id}")


def _clip_choice(store: CaseStore, evidence: Clip, suspect_id: int, key: str) -> Clip | None:
    from gait.case import side_by_side

    clips = [c for c in store.clips(evidence.case_id, view=evidence.view, role="enrolment")
             if c.suspect_id == suspect_id and c.n_cycles > 0]
    if not clips:
        return None
    default = side_by_side.default_enrolment_clip(store, evidence, suspect_id)
    return st.selectbox("Enrolment clip", clips, index=clips.index(default), key=key,
                        format_func=lambda c: common.clip_label(
                            c, store.suspect_names(evidence.case_id)))


def show_side_by_side(store: CaseStore, record: IdentificationRecord, suspects: list[str],
                      compared: str | None) -> None:
    """The evidence and a chosen suspect's enrolment walk, cycle by cycle."""
    from gait.case import side_by_side

    st.subheader("Side by side")
    st.caption("Both walkers as skeletons, pelvis-centred and scaled to body lengths, each "
               "evidence gait cycle beside one of the suspect's (heel strike to heel strike). "
               "The landmarks of the parameters that differ most are ringed.")
    evidence = store.clip(record.clip_id)
    key = f"sbs-{record.identification_id}"
    left, right = st.columns(2)
    with left:
        name = st.selectbox("Suspect", suspects, key=f"{key}-suspect",
                            index=suspects.index(compared) if compared in suspects else 0)
    suspect = store.suspect_by_name(record.case_id, name)
    with right:
        enrolment = None if suspect is None else _clip_choice(
            store, evidence, suspect.suspect_id, f"{key}-clip")
    if enrolment is None:
        st.info(f"{name} has no {evidence.view}-view enrolment clip with a gait cycle.",
                icon=":material/info:")
        return
    with common.guard("Side by side"):
        differences = side_by_side.differences_with(store, evidence, name)
        if differences:
            st.dataframe([{"parameter": d.parameter, "unit": d.unit, "evidence": d.evidence,
                           name: d.suspect, "standardised difference": d.standardised}
                          for d in differences[:5]], hide_index=True)
        if st.button("Show side by side", icon=":material/compare:", key=f"{key}-show"):
            with st.spinner("Drawing the walks ..."):
                st.session_state[key] = str(side_by_side.side_by_side(
                    store, evidence, enrolment, name, differences))
    shown = st.session_state.get(key)
    if shown and Path(shown).is_file():
        st.video(shown)
        st.download_button("Download the side-by-side video (MP4)", Path(shown).read_bytes(),
                           f"side_by_side_{record.identification_id}_{name}.mp4", "video/mp4",
                           icon=":material/download:", on_click="ignore", key=f"{key}-download")
