"""Gait visualisation page: a clip's landmarks, events, cycles and parameters; suspects compared."""

import pandas as pd
import streamlit as st

from gait.case import clip_analysis, comparisons, tables
from gait.media import landmarks as lm
from gait.walk.parameters import CATALOGUE
from ui import common, plots

st.title("Gait visualisation")
case = common.case_picker()
store = common.store()
PARAMETERS = {p.name: p for p in CATALOGUE}


@st.cache_resource(max_entries=8, show_spinner=False)
def case_parameters(case_id: int, view: str, clip_ids: tuple[int, ...]) -> pd.DataFrame:
    """Every enrolled cycle of the view, recomputed only when the enrolled clips change."""
    del clip_ids  # part of the cache key only
    return tables.case_parameters(store, case_id, view).rename(
        columns={"subject": "suspect"})


def parameter_label(name: str) -> str:
    """Catalogue name with its unit, e.g. 'cadence_steps_per_min (steps per minute)'."""
    parameter = PARAMETERS.get(name)
    return f"{name} ({parameter.unit})" if parameter else name


def csv_button(frame: pd.DataFrame, label: str, file_name: str, key: str) -> None:
    """Download of exactly the table shown."""
    st.download_button(label, frame.to_csv(index=False).encode(), file_name, "text/csv",
                       key=key, icon=":material/download:")


clip_tab, compare_tab, profile_tab = st.tabs(["One clip", "Compare suspects", "Suspect profile"])
names = store.suspect_names(case.case_id)

with clip_tab:
    clips = store.clips(case.case_id)
    if not clips:
        st.info("No clip in this case yet: enrol some on the Enrolment page.",
                icon=":material/info:")
    else:
        clip = st.selectbox("Clip", clips, format_func=lambda c: common.clip_label(c, names))
        with common.guard("Analysing the clip"):
            sequence = store.keypoints(clip)
            analysis = clip_analysis.clip_analysis(store, clip)
            video_col, info_col = st.columns([3, 2])
            with video_col:
                common.show_video(store.overlay_path(clip),
                                  "No overlay video (clip imported as keypoints).")
            with info_col:
                st.markdown(f"**{clip.original_name}** — {clip.view} view, walking "
                            f"{analysis.direction}, {clip.fps:.0f} frames/s, "
                            f"{clip.duration_s:.1f} s")
                st.markdown(f"Gait cycles found: **{len(analysis.cycles)}**"
                            + ("" if analysis.sufficient
                               else f" — {analysis.insufficient_reason}"))
                for warning in clip.warnings:
                    st.warning(warning, icon=":material/warning:")
            chosen = st.multiselect("Landmarks", lm.LANDMARK_NAMES,
                                    default=list(plots.TRAJECTORY_LANDMARKS))
            if chosen:
                st.plotly_chart(plots.trajectories_figure(sequence, chosen), key="trajectories")
                trajectory = pd.DataFrame({"time_s": sequence.time_s})
                for name in chosen:
                    index = lm.LANDMARK_NAMES.index(name)
                    for axis, column in enumerate(("x", "y", "z", "visibility")):
                        trajectory[f"{name}_{column}"] = sequence.xyzv[:, index, axis]
                csv_button(trajectory, "Download the trajectories (CSV)",
                           f"clip{clip.clip_id}_trajectories.csv", "csv-trajectories")
            st.plotly_chart(plots.events_figure(analysis), key="events")
            table = tables.parameter_table(store, clip)
            if table.empty:
                st.info("No complete gait cycle, so no per-cycle parameters.",
                        icon=":material/info:")
            else:
                value_columns = [c for c in table.columns if c in PARAMETERS]
                st.subheader("Per-cycle parameters")
                show_visibility = st.toggle("Show visibility scores", value=False)
                shown = table if show_visibility else table.drop(
                    columns=[c for c in table.columns if c.endswith("__visibility")])
                st.dataframe(shown, hide_index=True, column_config={
                    name: st.column_config.NumberColumn(parameter_label(name), format="%.3g",
                                                        help=PARAMETERS[name].description)
                    for name in value_columns})
                csv_button(shown, "Download the parameter table (CSV)",
                           f"clip{clip.clip_id}_parameters.csv", "csv-parameters")
                parameter = st.selectbox("Plot a parameter", value_columns,
                                         format_func=parameter_label)
                st.plotly_chart(plots.cycle_values_figure(
                    table, parameter, PARAMETERS[parameter].unit), key="cycle-values")

def enrolled_parameters(key: str) -> tuple[str, pd.DataFrame | None]:
    """View picker and every enrolled cycle of that view (None, with a message, if none)."""
    view = st.radio("Camera view", ["side", "front"], horizontal=True, key=key)
    clip_ids = tuple(c.clip_id for c in store.clips(case.case_id, view=view, role="enrolment"))
    frame = case_parameters(case.case_id, view, clip_ids)
    if frame.empty:
        st.info(f"No enrolled {view} clip with a gait cycle yet.", icon=":material/info:")
        return view, None
    return view, frame


with compare_tab, common.guard("Comparing suspects"):
    view, frame = enrolled_parameters("compare-view")
    if frame is not None:
        value_columns = [c for c in frame.columns if c in PARAMETERS]
        left, right = st.columns([3, 1])
        parameter = left.selectbox("Parameter", value_columns, format_func=parameter_label,
                                   key="compare-parameter")
        kind = right.radio("Plot", ["box", "violin"], horizontal=True)
        st.caption(PARAMETERS[parameter].description)
        st.plotly_chart(plots.distribution_figure(
            frame, parameter, PARAMETERS[parameter].unit, kind=kind), key="distribution")
        shown = frame[["suspect", "clip_id", parameter]]
        csv_button(shown, "Download these values (CSV)", f"{view}_{parameter}.csv",
                   "csv-compare")

with profile_tab, common.guard("Building the profile"):
    view, frame = enrolled_parameters("profile-view")
    if frame is not None:
        suspect = st.selectbox("Suspect", sorted(frame["suspect"].unique()))
        profile = comparisons.suspect_profile(frame, suspect, group="suspect")
        n_cycles = int(profile["cycles"].iloc[0]) if len(profile) else 0
        st.plotly_chart(plots.profile_figure(
            profile.set_index("parameter")["z vs case"],
            f"{suspect}: how their median differs from the case ({n_cycles} cycles)"),
            key="profile")
        st.dataframe(profile, hide_index=True)
        csv_button(profile, "Download the profile (CSV)", f"{suspect}_{view}_profile.csv",
                   "csv-profile")
