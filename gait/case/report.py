"""The content of a case report: every fact the PDF states, gathered from the case store.

:func:`report_content` reads one stored identification and everything it rests on (the case,
the evidence clip and its file, the model, its calibration and validation, the suspects'
enrolment material, the audit trail up to the identification) into a JSON-ready dict. The
content depends on the store's records alone, never on the time it is made, so the same
identification always gives the same report; its SHA-256 (:func:`content_sha256`) is printed in
the PDF. :mod:`gait.case.report_pdf` lays it out; :mod:`gait.case.signing` signs the file.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from gait import __version__
from gait.case.store import AuditEvent, CaseStore, Clip, IdentificationRecord, StoreError
from gait.identification.settings import ModelSettings
from gait.walk.quality import FEW_CYCLES

REPORT_FORMAT = "gait-ID case report 1"
N_PARAMETERS = 6  # parameters listed as agreeing most, and as differing most
METHOD = (
    "MediaPipe Pose landmarks of the walker are split into gait cycles (heel strike to heel "
    "strike); a catalogue of per-cycle gait parameters (static proportions, dynamic, temporal "
    "and spatial measures) is computed and fed to a neural network trained on the suspects' "
    "enrolment clips of the same camera view. The clip's similarity to each suspect (the "
    "cosine in the network's whitened hidden space) is turned into a likelihood ratio by a "
    "logistic calibrator fitted on comparisons of known truth made on the enrolment data, "
    "bounded by the empirical lower and upper bounds (ELUB) that the calibration data support.")


def training_method(settings: Mapping[str, Any]) -> str:
    """The method's sentence on the training copies with the legs' swing shrunk, with the
    model's own range (its stored ``settings``); empty for a model trained without them."""
    damping = float(settings.get("augment_excursion_damping") or 0.0)
    if not damping:
        return ""
    return (" The network also trained on copies of every enrolment cycle with the legs' "
            f"joint-angle excursions shrunk by up to {damping:.0%}, as a coat or a load "
            "shrinks a walker's swing.")


def robust_method(settings: Mapping[str, Any]) -> str:
    """The method's sentence on the clothing-robust towers, with the model's own weight
    (its stored ``settings``); empty for a model without them."""
    if not settings.get("robust_members"):
        return ""
    weight = float(settings.get("robust_weight_outline_changed",
                                ModelSettings.robust_weight_outline_changed))
    off_axis = float(settings.get("off_axis_robust_deg") or 0.0)
    oblique = ("" if not off_axis else
               f" A walk more than {off_axis:g} degrees off the camera's axis is ranked the "
               "same way against every suspect; its likelihood ratios follow the outline rule.")
    return (" Where the evidence's body outline differs from a suspect's enrolment (as a coat "
            f"or a bag changes it), {weight:.0%} of the ranking's comparison with that suspect "
            "rests on the parameters clothing cannot move (the legs from the knees down, the "
            "feet's timing, the pelvis's travel), through network towers that see only those, "
            "and that suspect's likelihood ratio comes from a calibration of their own."
            + oblique)


def _json_ready(value: Any) -> Any:
    """NaN and infinities as None, so the content is valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


def content_sha256(content: Mapping[str, Any]) -> str:
    """SHA-256 of the report content (canonical JSON)."""
    text = json.dumps(_json_ready(dict(content)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _clip_facts(store: CaseStore, clip: Clip) -> dict[str, Any]:
    video_bytes = None
    if clip.video_sha256:
        video_bytes = store.blob_path(clip.video_sha256).stat().st_size
    return {
        "clip_id": clip.clip_id, "original_name": clip.original_name, "view": clip.view,
        "direction": clip.direction, "condition": clip.condition, "source": clip.source,
        "video_sha256": clip.video_sha256, "video_bytes": video_bytes,
        "keypoints_sha256": clip.keypoints_sha256,
        "duration_s": round(clip.duration_s, 3), "fps": round(clip.fps, 3),
        "frame_size_px": (None if clip.frame_width_px is None
                          else [clip.frame_width_px, clip.frame_height_px]),
        "track_id": clip.track_id, "start_s": clip.start_s, "end_s": clip.end_s,
        "added_at": clip.added_at, "added_by": clip.added_by or "(not recorded)",
        "quality": {"n_frames": clip.n_frames, "frames_with_person": clip.frames_with_person,
                    "mean_visibility": round(clip.mean_visibility, 3),
                    "n_cycles": clip.n_cycles, "warnings": list(clip.warnings)},
    }


def _ranking(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    likelihood = result.get("likelihood") or {}
    lr_of = {e["suspect"]: e for e in likelihood.get("suspects", [])}
    rows = []
    for rank, entry in enumerate(result.get("ranking", []), start=1):
        lr = lr_of.get(entry["suspect"], {})
        rows.append({"rank": rank, "suspect": entry["suspect"], "network_share": entry["score"],
                     "log10_lr": lr.get("log10_lr"), "lr": lr.get("lr"),
                     "verbal": lr.get("verbal"),
                     "lr_calibration": entry.get("lr_calibration")})
    return rows


def _model_facts(store: CaseStore, identification: IdentificationRecord) -> dict[str, Any]:
    record = store.model(identification.model_id)
    keras_sha, json_sha = store.model_hashes(record)
    metadata = store.model_metadata(record)
    metrics = record.metrics
    return {
        "model_id": record.model_id, "view": record.view, "created_at": record.created_at,
        "added_by": record.added_by or "(not recorded)", "suspects": list(record.suspects),
        "keras_sha256": keras_sha, "json_sha256": json_sha,
        "training_data_sha256": metrics.get("training_data_sha256"),
        "n_cycles": metrics.get("n_cycles"), "n_clips": metrics.get("n_clips"),
        "epochs": metrics.get("epochs"), "settings": metrics.get("settings", {}),
        "software_versions": metadata.get("versions", {}),
    }


def _validation(store: CaseStore, model_id: int) -> dict[str, Any] | None:
    likelihood = store.model(model_id).metrics.get("likelihood")
    if not likelihood:
        return None
    return {"metrics": likelihood["validation"], "calibration": likelihood["calibration"],
            "name_at_lr": likelihood["name_at_lr"], "protocol": likelihood["protocol"],
            "n_genuine_clips": likelihood["n_genuine_clips"],
            "n_impostor_clips": likelihood["n_impostor_clips"],
            "log10_lrs": likelihood["log10_lrs"], "hp": likelihood["hp"]}


def _suspects(store: CaseStore, case_id: int, names: list[str], view: str
              ) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in names:
        suspect = store.suspect_by_name(case_id, name)
        if suspect is None:  # renamed or removed since: the model still names them
            out.append({"name": name, "notes": "", "clips": []})
            continue
        clips = [c for c in store.clips(case_id, view=view, role="enrolment")
                 if c.suspect_id == suspect.suspect_id]
        out.append({"name": name, "notes": suspect.notes, "clips": [
            {"clip_id": c.clip_id, "original_name": c.original_name, "direction": c.direction,
             "condition": c.condition, "sha256": c.video_sha256 or c.keypoints_sha256,
             "source": c.source, "n_cycles": c.n_cycles, "duration_s": round(c.duration_s, 2),
             "fps": round(c.fps, 3),
             "frame_size_px": (None if c.frame_width_px is None
                               else [c.frame_width_px, c.frame_height_px]),
             "added_at": c.added_at} for c in clips]})
    return out


def _parameters(result: Mapping[str, Any]) -> dict[str, Any]:
    rows = [r for r in result.get("comparison", []) if r.get("standardised_difference")
            is not None]
    ordered = sorted(rows, key=lambda r: abs(r["standardised_difference"]))
    return {"suspect": result.get("compared_suspect"),
            "agree": ordered[:N_PARAMETERS],
            "differ": ordered[::-1][:N_PARAMETERS]}


def _trail(store: CaseStore, identification: IdentificationRecord) -> list[dict[str, Any]]:
    """The case's audit events up to and including this identification's."""
    events = store.audit(identification.case_id)
    last = next((e.event_id for e in events if e.action == "identification" and
                 e.details.get("identification_id") == identification.identification_id), None)
    if last is None:
        raise StoreError(f"the audit log has no event of identification "
                         f"#{identification.identification_id}")
    return [_event(e) for e in sorted(events, key=lambda e: e.event_id) if e.event_id <= last]


def _event(event: AuditEvent) -> dict[str, Any]:
    keys = ("clip_id", "model_id", "identification_id", "suspect", "name", "original_name",
            "view", "verdict", "sha256", "video_sha256", "keypoints_sha256", "keras_sha256")
    shown = {k: event.details[k] for k in keys if event.details.get(k) is not None}
    return {"event_id": event.event_id, "at": event.at, "action": event.action,
            "actor": event.actor or "(not recorded)", "software_version":
            event.software_version, "details": shown}


def limitations(evidence: Mapping[str, Any], suspects: list[dict[str, Any]],
                compared: str | None, result: Mapping[str, Any],
                validation: Mapping[str, Any] | None) -> list[str]:
    """The limitations that apply to this identification, in words."""
    out: list[str] = []
    enrolled = [c for s in suspects if s["name"] == compared for c in s["clips"]]
    conditions = sorted({c["condition"] for c in enrolled})
    if enrolled and evidence["condition"] not in conditions:
        out.append(f"The evidence was recorded as '{evidence['condition']}', {compared}'s "
                   f"enrolment as {', '.join(repr(c) for c in conditions)}: clothing, a bag or "
                   "the walking angle change some gait parameters, and LRs for the true person "
                   "are then typically weaker.")
    directions = sorted({c["direction"] for c in enrolled})
    if enrolled and evidence["direction"] not in (*directions, "unknown"):
        out.append(f"The evidence walk goes {evidence['direction']}; {compared} was enrolled "
                   f"walking {', '.join(directions)}.")
    setups = {(tuple(c["frame_size_px"] or ()), c["fps"]) for c in enrolled}
    here = (tuple(evidence["frame_size_px"] or ()), evidence["fps"])
    if enrolled and here not in setups:
        size = "x".join(str(v) for v in here[0]) or "unknown size"
        out.append(f"The evidence comes from another camera set-up ({size} at {here[1]:g} "
                   "fps) than the enrolment clips.")
    n_cycles = evidence["quality"]["n_cycles"]
    if result.get("evidence_weight", 1.0) < 1.0:
        out.append("The walk has no complete gait cycle, only steps: its LRs are weakened "
                   f"(multiplied by {result['evidence_weight']:g} in log10).")
    elif 0 < n_cycles < FEW_CYCLES:
        out.append(f"Short walk: {n_cycles} gait cycle{'s' if n_cycles > 1 else ''} only.")
    out += list(result.get("conditions") or [])
    out += [f"Quality: {w}." for w in evidence["quality"]["warnings"]
            if not w.startswith(("only ", "no complete gait cycle"))]
    if validation is None:
        out.append("The model has no likelihood-ratio calibration (fewer than 4 suspects): the "
                   "ranking is given without the weight of the evidence.")
    else:
        low, high = (validation["calibration"]["lower_log10"],
                     validation["calibration"]["upper_log10"])
        out.append(f"The relevant population is the {len(suspects)} people enrolled in this "
                   "case; the calibration data support LRs between "
                   f"{10 ** low:.3g} and {10 ** high:.3g} only (ELUB bounds).")
        if high < math.log10(validation["name_at_lr"]):
            out.append(f"With this few calibration comparisons no LR can reach "
                       f"{validation['name_at_lr']:g}, the LR that names a suspect: no suspect "
                       "can be named; enrol more people to calibrate on.")
        out.append("The validation figures come from enrolment clips, recorded in the same "
                   "sessions as the training clips; on another day, in other clothing or with "
                   "another camera the method's LRs for the true person are lower and its "
                   "rate of misleading evidence for Hp is higher (see the README's measured "
                   "figures).")
    return out


def report_content(store: CaseStore, identification_id: int) -> dict[str, Any]:
    """Everything a case report states about one stored identification.

    Raises
    ------
    StoreError
        If there is no such identification, or a file it rests on is missing or altered.
    """
    identification = store.identification(identification_id)
    result = identification.result
    case = store.case(identification.case_id)
    clip = store.clip(identification.clip_id)
    evidence = _clip_facts(store, clip)
    model = _model_facts(store, identification)
    suspects = _suspects(store, case.case_id, model["suspects"], clip.view)
    validation = _validation(store, identification.model_id)
    likelihood = result.get("likelihood")
    compared = result.get("compared_suspect")
    content: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "case": {"case_id": case.case_id, "name": case.name, "notes": case.notes,
                 "created_at": case.created_at, "synthetic": case.synthetic},
        "identification": {
            "identification_id": identification.identification_id,
            "created_at": identification.created_at,
            "added_by": identification.added_by or "(not recorded)",
            "verdict": identification.verdict, "suspect": identification.suspect,
            "reason": result.get("reason", ""), "n_cycles": result.get("n_cycles", 0),
            "evidence_weight": result.get("evidence_weight", 1.0),
            "software_version": result.get("software_version"),
            "analysis_version": result.get("analysis_version")},
        "method": METHOD + training_method(model["settings"]) + robust_method(model["settings"]),
        "propositions": likelihood["propositions"] if likelihood else None,
        "rule": likelihood["rule"] if likelihood else None,
        "scale": likelihood["scale"] if likelihood else None,
        "top": likelihood["top"] if likelihood else None,
        "ranking": _ranking(result),
        "evidence": evidence,
        "suspects": suspects,
        "model": model,
        "validation": validation,
        "parameters": _parameters(result),
        "limitations": limitations(evidence, suspects, compared, result, validation),
        "audit_trail": _trail(store, identification),
        "report_software_version": __version__,
    }
    return _json_ready(content)
