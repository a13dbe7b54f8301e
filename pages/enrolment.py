"""Enrolment page: add suspects, upload their walking clips, import keypoint data sets."""

import pandas as pd
import streamlit as st

from gait.case import dataset_import, intake
from gait.media.files import IMPORT_ROOT_ENV, import_root
from ui import common, walks

DIRECTIONS = {
    "side": ["detect automatically", "left", "right"],
    "front": ["detect automatically", "front", "back"],
}
DIRECTION_HELP = ("Side camera: the way the person walks across the image. Front camera: "
                  "'front' is towards the camera, 'back' is away from it.")
CONDITIONS = ["normal", "bag", "coat", "angle", "other"]

st.title("Enrolment")
case = common.case_picker()
store = common.store()
actor = common.actor()
can_change = common.read_only_notice(case)
# This case's stored recordings of several people or walks, waiting for a choice of walk.
PENDING = f"enrol_recordings_{case.case_id}"

suspects_tab, upload_tab, import_tab, clips_tab = st.tabs(
    ["Suspects", "Upload clips", "Import keypoints", "Enrolled clips"])

with suspects_tab:
    if can_change:
        with st.form("new_suspect", clear_on_submit=True):
            st.subheader("Add a suspect")
            name = st.text_input("Name or reference")
            notes = st.text_area("Notes (optional)", height=70)
            photo = st.file_uploader("Photo (optional)", type=["jpg", "jpeg", "png"])
            if st.form_submit_button("Add suspect", icon=":material/person_add:"):
                with common.guard("Adding the suspect"):
                    suspect = store.add_suspect(case.case_id, name, notes,
                                                photo.getvalue() if photo else None, actor=actor)
                    st.toast(f"Suspect '{suspect.name}' added.")
    suspects = store.suspects(case.case_id)
    if not suspects:
        st.info("No suspect yet in this case.", icon=":material/info:")
    for row_start in range(0, len(suspects), 6):
        for column, suspect in zip(st.columns(6), suspects[row_start:row_start + 6],
                                   strict=False):
            with column:
                image = store.photo(suspect)
                if image:
                    st.image(image, width=120)
                st.markdown(f"**{suspect.name}**")
                if suspect.notes:
                    st.caption(suspect.notes)

with upload_tab:
    suspects = store.suspects(case.case_id)
    if not can_change:
        st.caption("Uploading clips changes the case: not open to your role.")
    elif not suspects:
        st.info("Add a suspect first (Suspects tab).", icon=":material/info:")
    else:
        ids = [s.suspect_id for s in suspects]
        names = {s.suspect_id: s.name for s in suspects}
        left, middle, right = st.columns(3)
        suspect_id = left.selectbox("Suspect", ids, format_func=names.__getitem__)
        view = middle.radio("Camera view", ["side", "front"], horizontal=True)
        direction = right.selectbox("Walking direction", DIRECTIONS[view], help=DIRECTION_HELP)
        condition = left.selectbox("Condition", CONDITIONS)
        chosen_direction = "unknown" if direction.startswith("detect") else direction
        # A new key after each batch empties the uploader for the next one.
        batch = st.session_state.setdefault("upload_batch", 0)
        uploads = st.file_uploader(
            f"Walking clips ({', '.join(intake.VIDEO_EXTENSIONS)}; at most "
            f"{intake.MAX_UPLOAD_MB} MB each)",
            type=[e.lstrip(".") for e in intake.VIDEO_EXTENSIONS],
            accept_multiple_files=True, key=f"uploads-{batch}")
        if st.button("Extract keypoints and enrol", type="primary", disabled=not uploads,
                     icon=":material/play_arrow:"):
            reports = []
            pending = list(st.session_state.get(PENDING, []))
            with common.guard("Enrolment"):
                for upload in uploads or []:
                    try:
                        with common.uploaded_file(upload) as path:
                            stored = intake.store_recording(
                                store, case.case_id, path, upload.name, "enrolment",
                                progress=walks.scan_progress(upload.name), actor=actor)
                        if stored.recording is None:
                            report = intake.ClipReport.refusal(stored.refused_reason or "")
                        elif stored.recording.needs_choice:
                            if stored.recording.video_sha256 not in pending:
                                pending.append(stored.recording.video_sha256)
                            st.session_state[PENDING] = pending
                            continue
                        else:
                            report = intake.enrol_walk(
                                store, case.case_id, suspect_id,
                                stored.recording.video_sha256, view, chosen_direction,
                                condition, progress=common.progress_callback(upload.name),
                                actor=actor)
                    except common.USER_ERRORS as error:
                        report = intake.ClipReport.refusal(common.one_line(error))
                    reports.append((upload.name, report))
                st.session_state["enrol_reports"] = reports
                st.session_state["upload_batch"] = batch + 1
                st.rerun()
        for name, report in st.session_state.get("enrol_reports", []):
            common.show_clip_report(name, report, store)
        for video_sha in list(st.session_state.get(PENDING, [])):
            with st.container(border=True), common.guard("Choosing the walk"):
                recording = intake.stored_recording(store, case.case_id, video_sha)
                choice = walks.walk_picker(recording, key=f"enrol-{video_sha[:12]}")
                enrol_col, done_col = st.columns([2, 1])
                if enrol_col.button(f"Enrol this walk as {names[suspect_id]}", type="primary",
                                    key=f"enrol-walk-{video_sha[:12]}",
                                    icon=":material/play_arrow:"):
                    report = intake.enrol_walk(
                        store, case.case_id, suspect_id, video_sha, view, chosen_direction,
                        condition, progress=common.progress_callback(recording.original_name),
                        actor=actor, choice=choice)
                    st.session_state["enrol_reports"] = [(recording.original_name, report)]
                    st.rerun()
                if done_col.button("Done with this recording", key=f"done-{video_sha[:12]}",
                                   icon=":material/close:"):
                    st.session_state[PENDING] = [v for v in st.session_state[PENDING]
                                                 if v != video_sha]
                    st.rerun()

with import_tab:
    if not can_change:
        st.caption("Importing keypoints changes the case: not open to your role.")
    else:
        st.write("Import a keypoint data set folder: `.npz` files with a `manifest.csv` "
                 "(the format of `gait extract`, see the README). Suspects are created from the "
                 "manifest's subject column. The folder is read on the server, inside the "
                 "import folder an administrator set (GAIT_IMPORT_ROOT); a relative path is "
                 "taken from there.")
        root = import_root()
        folder = st.text_input("Folder on the server", placeholder=str(root or "") or
                               f"import from the server is off: {IMPORT_ROOT_ENV} is not set")
        if st.button("Import keypoints", disabled=not folder, icon=":material/upload_file:"):
            with common.guard("Importing keypoints"), st.spinner("Importing ..."):
                result = dataset_import.import_keypoint_folder(store, case.case_id, folder,
                                                               actor=actor)
                st.success(f"Imported {result.n_added} clips ({result.n_existing} already in "
                           f"the case); new suspects: "
                           f"{', '.join(result.suspects_created) or 'none'}.")
                for clip_id, reason in result.refused:
                    st.warning(f"{clip_id}: not imported, {reason}")

with clips_tab:
    clips = store.clips(case.case_id, role="enrolment")
    if not clips:
        st.info("No clip enrolled yet.", icon=":material/info:")
    else:
        names = store.suspect_names(case.case_id)
        st.dataframe(pd.DataFrame([{
            "clip": c.clip_id, "suspect": names.get(c.suspect_id, ""), "view": c.view,
            "direction": c.direction, "condition": c.condition, "source": c.source,
            "file": c.original_name, "duration (s)": round(c.duration_s, 1),
            "frames with person": f"{c.frames_with_person}/{c.n_frames}",
            "mean visibility": round(c.mean_visibility, 2), "gait cycles": c.n_cycles,
            "walk": c.walk_label, "warnings": "; ".join(c.warnings), "added": c.added_at,
        } for c in clips]), hide_index=True)
        chosen = st.selectbox("Look at a clip", clips,
                              format_func=lambda c: common.clip_label(c, names))
        common.show_video(store.overlay_path(chosen),
                          "No overlay video (clip imported as keypoints).")
