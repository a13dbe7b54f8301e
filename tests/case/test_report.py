"""Tests of the case report: its content (gait.case.report), figures and PDF."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gait.case.report import (
    METHOD,
    content_sha256,
    limitations,
    report_content,
    robust_method,
    training_method,
)
from gait.case.report_figures import lr_ranking_png, tippett_png
from gait.case.report_pdf import render_pdf, report_path, write_case_report
from gait.case.signing import signing_key, verify_report
from gait.case.store import CaseStore, StoreError


def test_the_content_states_what_the_identification_rests_on(
        identified_case: tuple[Path, int, int]) -> None:
    data_dir, case_id, identification_id = identified_case
    store = CaseStore(data_dir)
    content = report_content(store, identification_id)
    record = store.identification(identification_id)
    clip = store.clip(record.clip_id)
    top = content["ranking"][0]["suspect"]
    assert content["propositions"]["Hp"] == f"{top} is the person walking in the footage"
    assert content["top"]["suspect"] == top and content["top"]["verbal"].endswith(("Hp", "Hd"))
    assert all(r["log10_lr"] is not None and r["verbal"] for r in content["ranking"])
    assert {r["lr_calibration"] for r in content["ranking"]} <= {"whole-body", "clothing-robust"}
    assert content["evidence"]["keypoints_sha256"] == clip.keypoints_sha256
    assert content["evidence"]["quality"]["n_cycles"] == clip.n_cycles
    assert [s["name"] for s in content["suspects"]] == list(store.model(record.model_id).suspects)
    assert all(c["sha256"] for s in content["suspects"] for c in s["clips"])
    model = content["model"]
    assert len(model["keras_sha256"]) == 64 and model["training_data_sha256"]
    assert model["software_versions"]["tensorflow"]
    validation = content["validation"]
    assert validation["metrics"]["n_genuine"] == sum(validation["hp"])
    assert content["parameters"]["agree"] and content["parameters"]["differ"]
    differences = [abs(r["standardised_difference"]) for r in content["parameters"]["differ"]]
    assert differences == sorted(differences, reverse=True)
    trail = content["audit_trail"]
    assert trail[0]["action"] == "case created"
    assert trail[-1]["action"] == "identification"
    assert trail[-1]["details"]["identification_id"] == identification_id
    assert any("relevant population" in line for line in content["limitations"])
    # The method is the model's own: trained with copies whose legs swing up to 50 % less.
    assert content["method"].startswith(METHOD) and "shrunk by up to 50%" in content["method"]
    # The same records give the same content, whatever is recorded after the identification.
    store.log("note", case_id, {"text": "later"})
    assert content_sha256(report_content(store, identification_id)) == content_sha256(content)
    # A suspect whose LR came from the clothing-robust towers: the table says so.
    robust = {**content, "ranking": [{**content["ranking"][0], "lr_calibration": "clothing-robust"},
                                     *content["ranking"][1:]]}
    assert render_pdf(robust, {}, "reviewer").startswith(b"%PDF")


def test_the_report_is_deterministic_signed_and_audited(
        identified_case: tuple[Path, int, int], tmp_path: Path) -> None:
    data_dir, case_id, identification_id = identified_case
    store = CaseStore(data_dir)
    first, signature = write_case_report(store, identification_id, tmp_path / "a.pdf",
                                         actor="reviewer")
    second, _ = write_case_report(store, identification_id, tmp_path / "b.pdf")
    assert first.read_bytes()[:5] == b"%PDF-" and first.stat().st_size > 20_000
    assert first.read_bytes() == second.read_bytes()
    assert signature == tmp_path / "a.pdf.sig"
    assert verify_report(first, signing_key(data_dir).public_key()).intact
    events = [e for e in store.audit(case_id) if e.action == "report signed"]
    assert events[-2].actor == "reviewer"
    assert events[-1].details["identification_id"] == identification_id
    assert events[-1].details["content_sha256"] == content_sha256(
        report_content(store, identification_id))
    assert report_path(store, identification_id).name == \
        f"case-{case_id}-identification-{identification_id}.pdf"


def test_a_missing_identification_or_an_altered_evidence_file_is_refused(
        identified_case: tuple[Path, int, int], tmp_path: Path) -> None:
    data_dir, _, identification_id = identified_case
    copy = tmp_path / "copy"
    shutil.copytree(data_dir, copy)
    store = CaseStore(copy)
    with pytest.raises(StoreError, match="there is no identification #999"):
        write_case_report(store, 999, tmp_path / "r.pdf")
    clip = store.clip(store.identification(identification_id).clip_id)
    blob = store.blob_path(clip.keypoints_sha256)
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes() + b"tampered")
    with pytest.raises(StoreError, match="altered"):
        write_case_report(store, identification_id, tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


def _evidence(**changes: object) -> dict[str, object]:
    evidence: dict[str, object] = {
        "condition": "normal", "direction": "right", "frame_size_px": [1920, 1080],
        "fps": 30.0, "quality": {"n_cycles": 5, "warnings": []}}
    return {**evidence, **changes}


SUSPECTS = [{"name": "A", "clips": [{"condition": "normal", "direction": "right",
                                     "frame_size_px": [1920, 1080], "fps": 30.0}]},
            {"name": "B", "clips": []}]
VALIDATION = {"calibration": {"lower_log10": -1.5, "upper_log10": 2.5}, "name_at_lr": 100.0}


def test_limitations_known_answers() -> None:
    same = limitations(_evidence(), SUSPECTS, "A", {}, VALIDATION)
    assert len(same) == 2 and "2 people enrolled" in same[0] and "0.0316 and 316" in same[0]
    differ = limitations(
        _evidence(condition="coat", direction="left", frame_size_px=[640, 480], fps=12.5,
                  quality={"n_cycles": 1, "warnings": ["low landmark visibility (mean 0.40)"]}),
        SUSPECTS, "A", {"evidence_weight": 1.0, "conditions": ["The evidence's body outline "
                                                               "differs from A's enrolment."]},
        VALIDATION)
    text = "\n".join(differ)
    assert "The evidence's body outline differs from A's enrolment." in differ
    assert "recorded as 'coat', A's enrolment as 'normal'" in text
    assert "walk goes left; A was enrolled walking right" in text
    assert "another camera set-up (640x480 at 12.5 fps)" in text
    assert "Short walk: 1 gait cycle only." in text
    assert "Quality: low landmark visibility (mean 0.40)." in text
    steps = limitations(_evidence(), SUSPECTS, "A", {"evidence_weight": 0.5}, VALIDATION)
    assert any("only steps" in line and "0.5" in line for line in steps)
    unreachable = {"calibration": {"lower_log10": -1.0, "upper_log10": 1.2}, "name_at_lr": 100.0}
    assert any("no LR can reach 100" in line
               for line in limitations(_evidence(), SUSPECTS, "A", {}, unreachable))
    assert any("no likelihood-ratio calibration" in line
               for line in limitations(_evidence(), SUSPECTS, "A", {}, None))


def test_the_method_states_the_model_s_own_robust_weight() -> None:
    assert robust_method({"n_members": 5, "robust_members": 0}) == ""
    said = robust_method({"robust_members": 5, "robust_weight_outline_changed": 0.4})
    assert "40% of the ranking's comparison with that suspect" in said
    assert "a calibration of their own" in said and "off the camera's axis" not in said
    oblique = robust_method({"robust_members": 5, "robust_weight_outline_changed": 1.0,
                             "off_axis_robust_deg": 10.0})
    assert oblique.endswith(" A walk more than 10 degrees off the camera's axis is ranked "
                            "the same way against every suspect; its likelihood ratios follow "
                            "the outline rule.")


def test_the_method_states_the_model_s_own_training_copies() -> None:
    assert training_method({"n_members": 5}) == ""  # a model made before them
    assert training_method({"augment_excursion_damping": 0.0}) == ""
    said = training_method({"augment_excursion_damping": 0.5})
    assert said == (" The network also trained on copies of every enrolment cycle with the "
                    "legs' joint-angle excursions shrunk by up to 50%, as a coat or a load "
                    "shrinks a walker's swing.")


def test_figures_are_deterministic_pngs() -> None:
    ranking = [{"suspect": "A", "log10_lr": 1.7}, {"suspect": "B", "log10_lr": -0.8}]
    png = lr_ranking_png(ranking, 100.0)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png == lr_ranking_png(ranking, 100.0)
    assert tippett_png([2.0, 1.0, -1.0, -2.0], [1, 1, 0, 0])[:4] == b"\x89PNG"
