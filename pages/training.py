"""Training page: train a model per camera view on the enrolled clips, evaluate it, list models."""

import pandas as pd
import streamlit as st

from gait.case import training
from gait.identification.identify import DEFAULT_TARGET_FPIR
from gait.identification.settings import ModelSettings
from ui import common, plots

FALSE_MATCH_RATES = [0.01, 0.02, 0.05, 0.1, 0.2]

st.title("Training")
case = common.case_picker()
store = common.store()

st.write("Trains a neural network on the gait parameters of every enrolled clip of one camera "
         "view (keypoints are never extracted again), calibrates its open-set threshold on "
         "held-out suspects, and measures it with a 6-fold evaluation (each fold holds out one "
         "clip of every suspect).")
left, right = st.columns(2)
view = left.radio("Camera view", ["side", "front"], horizontal=True)
with_visibility = right.toggle(
    "Also use visibility scores as features", value=False,
    help="Adds each parameter's landmark visibility to its value. Off by default: visibility "
         "describes the recording more than the walker and costs accuracy across sessions.")
target_fpir = st.select_slider(
    "Accepted false-match rate", options=FALSE_MATCH_RATES, value=DEFAULT_TARGET_FPIR,
    format_func=lambda rate: f"{rate:.0%}",
    help="The share of people who are NOT suspects that the model may still name as one, "
         "measured on held-out suspects of this case when the open-set threshold is set. "
         "Lower: fewer wrong names, more true suspects missed.")
clips = store.clips(case.case_id, view=view, role="enrolment")
n_suspects = len({c.suspect_id for c in clips})
st.caption(f"{len(clips)} enrolled {view} clips of {n_suspects} suspects.")

if st.button("Train and evaluate", type="primary", icon=":material/model_training:",
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
        epoch_bar.progress(min((epoch + 1) / ModelSettings().max_epochs, 1.0),
                           text=f"Choosing the number of epochs: epoch {epoch + 1} (until the "
                                "loss on held-out clips stops improving), loss "
                                f"{logs.get('loss', 0):.3f}")
        if epoch % 10 == 0:
            chart.plotly_chart(plots.training_figure(history), key=f"live-{epoch}")

    def on_progress(what: str, done: int, total: int) -> None:
        label = {"calibration": "Open-set calibration", "evaluation": "6-fold evaluation"}
        stage.progress(done / total if total else 1.0,
                       text=f"{label.get(what, what)}: fold {done} of {total}")

    with common.guard("Training"):
        record = training.train_case_model(store, case.case_id, view, with_visibility,
                                           on_epoch=on_epoch, progress=on_progress,
                                           actor=common.actor(), target_fpir=target_fpir)
        epoch_bar.progress(1.0, text=f"Training done: model #{record.model_id}")
        chart.plotly_chart(plots.training_figure(history), key="live-final")
        st.session_state["trained_model_id"] = record.model_id
        st.success(f"Model #{record.model_id} saved ({view} view).")

models = store.models(case.case_id)
if not models:
    st.info("No model trained yet in this case.", icon=":material/info:")
    st.stop()

st.subheader("Models")
st.dataframe(pd.DataFrame([{
    "model": m.model_id, "view": m.view, "visibility features": m.with_visibility,
    "suspects": len(m.suspects), "6-fold clip rank-1": m.metrics.get("clip_rank1"),
    "open-set threshold": m.metrics.get("open_set_threshold"),
    "false-match rate": (m.metrics.get("open_set") or {}).get("target_fpir"),
    "trained": m.created_at,
} for m in reversed(models)]), hide_index=True,
    column_config={"6-fold clip rank-1": st.column_config.NumberColumn(format="percent"),
                   "false-match rate": st.column_config.NumberColumn(format="percent")})

ids = [m.model_id for m in models]
default = st.session_state.get("trained_model_id", ids[-1])
chosen_id = st.selectbox("Model details", ids, index=ids.index(default) if default in ids else 0,
                         format_func=lambda i: f"model #{i}")
record = next(m for m in models if m.model_id == chosen_id)
metrics = record.metrics
cols = st.columns(4)
rank1 = metrics.get("clip_rank1")
cols[0].metric("6-fold clip rank-1", "n/a" if rank1 is None else f"{rank1:.1%}")
threshold = metrics.get("open_set_threshold")
calibration = metrics.get("open_set") or {}
cols[1].metric("Open-set threshold", "n/a" if threshold is None else f"{threshold:.3f}",
               help=metrics.get("open_set_note") or (
                   "The top suspect is named only when the evidence's open-set score "
                   f"({calibration.get('score', 'score').replace('_', ' ')}) reaches this "
                   f"value; set for {calibration.get('target_fpir', 0):.0%} false matches on "
                   "held-out suspects."))
cols[2].metric("Training cycles", metrics.get("n_cycles", "n/a"))
seconds = metrics.get(training.METRIC_TRAINING_S)
cols[3].metric("Training time", "n/a" if seconds is None else f"{seconds:.0f} s")
for note in (metrics.get(training.METRIC_EVAL_SKIPPED), metrics.get("evaluation_note")):
    if note:
        st.caption(note)
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
