"""The Training page's validation panel (ui.validation), run alone through AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _panel(upper_log10: float) -> AppTest:
    def script(upper: float) -> None:
        import numpy as np

        from gait.identification.likelihood import lr_metrics
        from ui.validation import show_validation

        llrs = np.array([1.5, 0.8, 1.9, -0.4, -1.2, -0.9, -1.4, 0.2])
        hp = np.array([1, 1, 1, 1, 0, 0, 0, 0])
        show_validation({
            "validation": {**lr_metrics(llrs, hp), "fpir": 0.0, "fnir": 0.5},
            "calibration": {"method": "logistic", "lower_log10": -1.5,
                            "upper_log10": upper},
            "name_at_lr": 100.0, "n_genuine_clips": 4, "n_impostor_clips": 4,
            "protocol": "four folds", "log10_lrs": llrs.tolist(), "hp": hp.tolist()},
            key="test")

    app = AppTest.from_function(script, args=(upper_log10,), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_metrics_plots_and_calibration_data_are_shown() -> None:
    app = _panel(2.5)
    labels = [m.label for m in app.metric]
    assert labels[0] == "Cllr" and "Naming at LR 100: FPIR / FNIR" in labels
    assert len(app.get("plotly_chart")) == 2  # Tippett and ECE
    assert any("Calibration data: 4 clips" in c.value for c in app.caption)
    assert not app.warning


def test_a_naming_lr_beyond_the_elub_bound_is_warned_of() -> None:
    app = _panel(1.6)
    assert len(app.warning) == 1
    assert "no LR can exceed 39.8" in app.warning[0].value
    assert "will name no one" in app.warning[0].value
