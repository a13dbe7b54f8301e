"""Training page: train a model per camera view on the enrolled clips, evaluate it, list models."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from gait.case import training
from gait.identification.calibration import DEFAULT_NAME_AT_LR
from gait.identification.settings import ModelSettings
from ui import common, plots, validation

NAMING_LRS = [10.0, 100.0, 1000.0, 10000.0]

st.title("Training")
case = common.case_picker()
store = common.store()

st.write("Trains a neural network on the gait parameters of every enrolled clip of one camera "
         "view (keypoints are never extracted again), with copies as another camera would "
         "film them (and, front view, as a bag, a coat or walking at an angle shift them), "
         "calibrates its likelihood ratios on held-out clips and suspects, and measures it "
         "with a 6-fold evaluation (each fold holds out one clip of every suspect).")
left, right = st.columns(2)
view = left.radio("Camera view", ["side", "front"], horizontal=True)
with_visibility = right.toggle(
    "Also use visibility scores as features", value=False,
    help="Adds each parameter's landmark visibility to its value. Off by default: visibility "
         "describes the recording more than the walker and costs accuracy across sessions.")
evaluate = st.toggle(
    "Also measure it with a 6-fold evaluation", value=True,
    help="Six more trainings, each holding out one clip of every suspect, give the model's "
         "rank-1, per-suspect figures and confusion matrix (about as long again as training "
         "alone). The likelihood-ratio calibration and its validation are made either way.")
name_at_lr = st.select_slider(
    "LR that names a suspect", options=NAMING_LRS, value=DEFAULT_NAME_AT_LR,
    format_func=lambda lr: f"{lr:,.0f}",
    help="The top-ranked suspect is named only when the likelihood ratio of 'this suspect is "
         "the person' against 'someone else is' reaches this value; every LR is reported "
         "either way. Higher: fewer wrong names, more true suspects left unnamed.")
defaults = ModelSettings.for_view(view)
with st.expander("Network (for research)"):
    st.caption("The defaults are what measured best on the shared data (README, Results); "
               "each model stores the settings it was trained with.")
    towers, robust_towers, epochs, seed = st.columns(4)
    settings = replace(
        defaults,
        n_members=towers.number_input("Whole-body towers", 1, 10, defaults.n_members),
        robust_members=robust_towers.number_input(
            "Clothing-robust towers", 0, 10, defaults.robust_members,
            help="Towers that read only the parameters a coat or a bag cannot move."),
        max_epochs=epochs.number_input("Most epochs", 10, 1000, defaults.max_epochs, step=10),
        seed=seed.number_input("Seed", 0, 2**31 - 1, defaults.seed))
clips = store.clips(case.case_id, view=view, role="enrolment")
n_suspects = len({c.suspect_id for c in clips})
st.caption(f"{len(clips)} enrolled {view} clips of {n_suspects} suspects.")

if common.read_only_notice(case) and st.button(
        "Train and evaluate", type="primary", icon=":material/model_training:",
        disabled=n_suspects < 2,
        help=None if n_suspects >= 2 else "Enrol clips of at least two suspects first."):
    history: dict[str, list[float]] = {}
    epoch_bar = st.progress(0.0, text="Training: preparing the features ...")
    chart = st.empty()
    stage = st.empty()

    def on_epoch(epoch: int, logs: dict[str, float]) -> None:
        if logs.get("refit"):  # second stage: every clip, a known number of epochs
            total = int(logs.get("epochs", 1))
            epoch_bar.progress(min((epoch + 1) / total, 1.0),
                               text=f"Training on every clip: epoch {epoch + 1} of {total}, "
                                    f"loss {logs.get('loss', 0):.3f}")
            return
        for key, value in logs.items():
            history.setdefault(key, []).append(float(value))
        epoch_bar.progress(min((epoch + 1) / settings.max_epochs, 1.0),
                           text=f"Choosing the number of epochs: epoch {epoch + 1} (until the "
                                "loss on held-out clips stops improving), loss "
                                f"{logs.get('loss', 0):.3f}")
        if epoch % 10 == 0:
            chart.plotly_chart(plots.training_figure(history), key=f"live-{epoch}")

    def on_progress(what: str, done: int, total: int) -> None:
        label = {"calibration": "Likelihood-ratio calibration",
                 "evaluation": "6-fold evaluation"}
        stage.progress(done / total if total else 1.0,
                       text=f"{label.get(what, what)}: fold {done} of {total}")

    with common.guard("Training"):
        record = training.train_case_model(store, case.case_id, view, with_visibility,
                                           on_epoch=on_epoch, progress=on_progress,
                                           actor=common.actor(), evaluate=evaluate,
                                           settings=settings, name_at_lr=name_at_lr)
        epoch_bar.progress(1.0, text=f"Training done: model #{record.model_id}")
        chart.plotly_chart(plots.training_figure(history), key="live-final")
        st.session_state["trained_model_id"] = record.model_id
        st.success(f"Model #{record.model_id} saved ({view} view).")


def _towers(settings: dict) -> str:
    """A model's whole-body and clothing-robust towers from its stored settings: "5 (5)"."""
    if "n_members" not in settings:
        return ""
    return f"{settings['n_members']} ({settings.get('robust_members', 0)})"


models = store.models(case.case_id)
if not models:
    st.info("No model trained yet in this case.", icon=":material/info:")
    st.stop()

st.subheader("Models")
st.dataframe(pd.DataFrame([{
    "model": m.model_id, "view": m.view, "visibility features": m.with_visibility,
    "suspects": len(m.suspects), "6-fold clip rank-1": m.metrics.get("clip_rank1"),
    "towers (robust)": _towers(m.metrics.get("settings") or {}),
    "Cllr": ((m.metrics.get("likelihood") or {}).get("validation") or {}).get("cllr"),
    "names at LR": (m.metrics.get("likelihood") or {}).get("name_at_lr"),
    "trained": m.created_at,
} for m in reversed(models)]), hide_index=True,
    column_config={"6-fold clip rank-1": st.column_config.NumberColumn(format="percent")})

ids = [m.model_id for m in models]
default = st.session_state.get("trained_model_id", ids[-1])
chosen_id = st.selectbox("Model details", ids, index=ids.index(default) if default in ids else 0,
                         format_func=lambda i: f"model #{i}")
record = next(m for m in models if m.model_id == chosen_id)
metrics = record.metrics
cols = st.columns(4)
rank1 = metrics.get("clip_rank1")
cols[0].metric("6-fold clip rank-1", "n/a" if rank1 is None else f"{rank1:.1%}")
likelihood = metrics.get("likelihood")
cols[1].metric("Names a suspect at", "n/a" if not likelihood
               else f"LR {likelihood['name_at_lr']:,.0f}",
               help=metrics.get("open_set_note") or "The top-ranked suspect is named when its "
               "likelihood ratio reaches this value.")
cols[2].metric("Training cycles", metrics.get("n_cycles", "n/a"))
seconds = metrics.get(training.METRIC_TRAINING_S)
cols[3].metric("Training time", "n/a" if seconds is None else f"{seconds:.0f} s")
for note in (metrics.get(training.METRIC_EVAL_SKIPPED), metrics.get("evaluation_note")):
    if note:
        st.caption(note)
validation.show_validation(likelihood, key=str(record.model_id))
if metrics.get("history"):
    st.plotly_chart(plots.training_figure(metrics["history"]), key="history")
per_suspect = metrics.get(training.METRIC_PER_SUSPECT) or {}
if per_suspect:
    frame = pd.DataFrame({"suspect": list(per_suspect), "clip rank-1": list(per_suspect.values())})
    st.bar_chart(frame, x="suspect", y="clip rank-1", height=260)
confusion = metrics.get(training.METRIC_CONFUSION) or {}
if confusion.get("labels"):
    st.plotly_chart(plots.confusion_figure(confusion["labels"], confusion["counts"]),
                    key="confusion")
failed = metrics.get("clips_without_cycles") or []
if failed:
    st.caption(f"{len(failed)} clips without a usable gait cycle were not used: "
               f"{', '.join(map(str, failed))}")
