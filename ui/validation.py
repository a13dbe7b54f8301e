"""The validation of a model's likelihood ratios, as shown on the Training page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import streamlit as st

from ui import evidence_plots


def show_validation(likelihood: Mapping[str, Any] | None, key: str) -> None:
    """Validation figures, Tippett and ECE plots and the calibration data of one model."""
    if not likelihood:
        st.caption("This model has no likelihood-ratio calibration (it needs at least 4 "
                   "suspects, or it was trained before likelihood ratios).")
        return
    v = likelihood["validation"]
    st.subheader("Likelihood ratios: validation")
    cols = st.columns(4)
    cols[0].metric("Cllr", f"{v['cllr']:.3f}",
                   help="Log-likelihood-ratio cost, bits: 0 for a perfect system, 1 for one "
                        "that always answers LR 1. Cross-validated on the calibration data.")
    cols[1].metric("Cllr min / cal", f"{v['cllr_min']:.3f} / {v['cllr_cal']:.3f}",
                   help="Discrimination (after PAV calibration) and calibration loss.")
    cols[2].metric("Misleading for Hp / Hd",
                   f"{v['misleading_hp']:.1%} / {v['misleading_hd']:.1%}",
                   help="Share of comparisons of the suspect with their own walk that give "
                        "LR < 1; share of comparisons with someone else that give LR > 1.")
    cols[3].metric(f"Naming at LR {likelihood['name_at_lr']:g}: FPIR / FNIR",
                   f"{v['fpir']:.0%} / {v['fnir']:.0%}",
                   help="On the calibration clips: share of clips of people held out of "
                        "training that name a suspect / of genuine clips that do not name the "
                        "right one.")
    low, high = v["log10_lr_range"]
    calibration = likelihood["calibration"]
    st.caption(
        f"Calibration data: {likelihood['n_genuine_clips']} clips of enrolled suspects and "
        f"{likelihood['n_impostor_clips']} clips of suspects held out of training, giving "
        f"{v['n_genuine']} comparisons under Hp and {v['n_impostor']} under Hd. "
        f"{likelihood['protocol'][0].upper()}{likelihood['protocol'][1:]}. Score to LR: "
        f"{calibration['method']}; LRs bounded to [{10 ** calibration['lower_log10']:.3g}, "
        f"{10 ** calibration['upper_log10']:.3g}] (ELUB); validation log10 LRs from "
        f"{low:.2f} to {high:.2f}; EER {v['eer']:.1%}.")
    if calibration["upper_log10"] < np.log10(likelihood["name_at_lr"]):
        st.warning(
            f"With this few calibration comparisons no LR can exceed "
            f"{10 ** calibration['upper_log10']:.3g} (the ELUB upper bound), below the LR "
            f"{likelihood['name_at_lr']:g} that names a suspect: this model will name no one. "
            "Enrol more people (suspects or others) to calibrate on, or train with a lower "
            "naming LR.", icon=":material/warning:")
    left, right = st.columns(2)
    left.plotly_chart(evidence_plots.tippett_figure(likelihood["log10_lrs"], likelihood["hp"]),
                      key=f"tippett-{key}")
    right.plotly_chart(evidence_plots.ece_figure(likelihood["log10_lrs"], likelihood["hp"]),
                       key=f"ece-{key}")
