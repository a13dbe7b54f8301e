"""An identification on the Prediction page: the verdict with the likelihood ratios it rests
on, the ranking, the parameters, the overlay, the downloads."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from gait.case import comparisons
from gait.case.evidence import IdentificationOutcome
from gait.case.store import CaseStore
from gait.identification.identify import INSUFFICIENT, MATCH, lr_text
from gait.identification.likelihood import verbal
from ui import case_review, common, evidence_plots, plots


def _verdict(result: Any) -> None:
    """The verdict banner, always with the LR beside it."""
    likelihood = result.likelihood()
    if result.verdict == MATCH:
        top_lr = f", {lr_text(likelihood['top']['log10_lr'])}" if likelihood else ""
        probability = ("" if result.calibrated_probability is None
                       else f" (calibrated probability {result.calibrated_probability:.0%})")
        st.success(f"Match: **{result.suspect}**{top_lr}{probability}",
                   icon=":material/how_to_reg:")
    elif result.verdict == INSUFFICIENT:
        st.warning(f"Insufficient gait to decide: {result.reason}", icon=":material/help:")
    else:
        top = (f": the top-ranked, {result.ranking[0][0]}, has "
               f"{lr_text(likelihood['top']['log10_lr'])}" if likelihood else "")
        st.error(f"None of these suspects is named{top}.", icon=":material/person_off:")
    st.caption(result.reason)
    if likelihood:
        words = likelihood["propositions"]
        st.markdown(f"**Hp**: {words['Hp']}.  \n**Hd**: {words['Hd']}.  \n"
                    f"Verbal scale: {likelihood['scale']}. Rule: {likelihood['rule']}.")


def _ranking(store: CaseStore, case_id: int, result: Any) -> None:
    rank_col, photo_col = st.columns([3, 1])
    with rank_col:
        if result.log10_lrs:
            st.plotly_chart(evidence_plots.lr_ranking_figure(result.log10_lrs,
                                                             result.name_at_lr), key="ranking")
        else:  # a model trained before likelihood ratios
            st.plotly_chart(plots.ranking_figure(result.ranking), key="ranking")
    with photo_col:
        named = result.suspect or result.ranking[0][0]
        suspect = store.suspect_by_name(case_id, named)
        image = store.photo(suspect) if suspect else None
        if image:
            st.image(image, caption=named, width=180)
        st.metric("Top-ranked suspect" if result.suspect is None else "Named suspect", named)
        st.metric("Gait cycles in the evidence", len(result.cycle_votes))
    rows = []
    for i, (name, score) in enumerate(result.ranking):
        llr = result.log10_lr_of(name)
        rows.append({"rank": i + 1, "suspect": name,
                     "log10 LR": llr, "LR": None if llr is None else float(f"{10 ** llr:.3g}"),
                     "verbal equivalent": None if llr is None else verbal(llr),
                     "network share": score,
                     **({"LR from": "clothing-robust towers" if name in result.robust_lrs
                         else "whole body"} if result.robust_lrs else {})})
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "log10 LR": st.column_config.NumberColumn(format="%.2f"),
        "network share": st.column_config.NumberColumn(
            format="%.3f", help="The network's relative score: it sums to 1 over the "
                                "suspects and ranks them; it is not the weight of the evidence.")})
    st.plotly_chart(plots.votes_figure(result.cycle_votes), key="votes")


def _comparison(outcome: IdentificationOutcome) -> None:
    comparison = outcome.comparison
    if comparison is None or comparison.empty:
        return
    st.subheader(f"Evidence against {outcome.compared_suspect}: parameter by parameter")
    for condition in outcome.record.result.get("conditions") or []:
        st.warning(condition, icon=":material/warning:")
    st.caption("Standardised difference: (evidence median − suspect's median) / the "
               "suspect's spread over their enrolment cycles.")
    shown = comparison[[comparisons.COL_PARAMETER, comparisons.COL_UNIT,
                        comparisons.COL_EVIDENCE_MEDIAN, comparisons.COL_SUSPECT_MEDIAN,
                        comparisons.COL_STD_DIFF]]
    agree_col, differ_col = st.columns(2)
    agree_col.markdown("**Agree most**")
    agree_col.dataframe(shown.head(10), hide_index=True)
    differ_col.markdown("**Differ most**")
    differ_col.dataframe(shown.dropna(subset=[comparisons.COL_STD_DIFF]).tail(10).iloc[::-1],
                         hide_index=True)
    st.plotly_chart(plots.comparison_figure(comparison), key="comparison")


def show_outcome(store: CaseStore, outcome: IdentificationOutcome, actor: str) -> None:
    """Everything about one identification of the open case, with its report and the
    side-by-side review."""
    result, record = outcome.identification, outcome.record
    clip = store.clip(record.clip_id)
    st.divider()
    walk = f" ({clip.walk_label})" if clip.walk_label else ""
    st.subheader(f"Evidence clip #{clip.clip_id}: {clip.original_name}{walk}")
    _verdict(result)
    if result.ranking:
        _ranking(store, record.case_id, result)
    _comparison(outcome)
    common.show_video(store.overlay_path(clip))
    st.download_button("Download this identification (JSON)",
                       json.dumps(record.result, indent=2, default=str).encode(),
                       f"identification_{record.identification_id}.json", "application/json",
                       icon=":material/download:")
    if result.ranking:
        case_review.show_side_by_side(store, record, [s for s, _ in result.ranking],
                                      outcome.compared_suspect)
    case_review.show_report(store, record, actor)
