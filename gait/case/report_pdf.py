"""The case report as a PDF (fpdf2), laid out from :func:`gait.case.report.report_content`.

The PDF is deterministic: its creation date is the identification's, its fonts are the
DejaVu fonts that matplotlib ships (embedded, so every character prints), and its figures are
:mod:`gait.case.report_figures`' PNGs, so the same identification gives the same bytes.
:func:`write_case_report` writes it and signs it (:mod:`gait.case.signing`).
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF

from gait.case.report import content_sha256, report_content
from gait.case.report_figures import ece_png, evidence_frames_png, lr_ranking_png, tippett_png
from gait.case.signing import installation_id, sign_report, signing_key
from gait.case.store import CaseStore, StoreError
from gait.case.store.permissions import MAKE_REPORT
from gait.identification.likelihood import VERBAL_SCALE
from gait.media.files import atomic_write

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_BODY, _MONO = "DejaVu", "DejaVuMono"
_LINE_MM = 4.6


class _ReportPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font(_BODY, "", str(_FONTS / "DejaVuSans.ttf"))
        self.add_font(_BODY, "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
        self.add_font(_MONO, "", str(_FONTS / "DejaVuSansMono.ttf"))
        self.set_auto_page_break(True, margin=16)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_BODY, size=7)
        self.set_text_color(110)
        self.cell(0, 4, f"{self.footer_text}  ·  page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)

    # -- building blocks ---------------------------------------------------------------------
    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 50:
            self.add_page()
        self.ln(3)
        self.set_font(_BODY, "B", 12)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(_BODY, size=9)

    def paragraph(self, text: str, bold: bool = False) -> None:
        self.set_font(_BODY, "B" if bold else "", 9)
        self.multi_cell(0, _LINE_MM, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(_BODY, size=9)
        self.ln(1)

    def facts(self, rows: list[tuple[str, Any]]) -> None:
        """Label-value lines (hashes in a fixed-width font)."""
        for label, value in rows:
            if value is None or value == "":
                value = "(none)"
            text = str(value)
            self.set_font(_BODY, "B", 8)
            self.cell(46, _LINE_MM, label)
            mono = len(text) == 64 and all(c in "0123456789abcdef" for c in text)
            self.set_font(_MONO if mono else _BODY, size=7 if mono else 8)
            self.multi_cell(0, _LINE_MM, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(_BODY, size=9)
        self.ln(1)

    def grid(self, header: list[str], rows: list[list[Any]],
             widths: tuple[float, ...] | None = None) -> None:
        self.set_font(_BODY, size=7.5)
        with self.table(col_widths=widths, line_height=4, text_align="LEFT",
                        first_row_as_headings=True) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell("" if value is None else str(value))
        self.set_font(_BODY, size=9)
        self.ln(2)

    def picture(self, png: bytes | None, width_mm: float) -> None:
        if png is None:
            return
        self.image(io.BytesIO(png), w=width_mm, x=(self.w - width_mm) / 2)
        self.ln(2)


def _lr(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}" if value < 10 else f"{value:,.0f}"


def _number(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def _created(content: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(content["identification"]["created_at"].replace("Z", "+00:00"))


def render_pdf(content: dict[str, Any], figures: dict[str, bytes | None], signer: str) -> bytes:
    """The report's PDF bytes.

    Parameters
    ----------
    content : dict
        :func:`gait.case.report.report_content`.
    figures : dict
        PNGs ``"evidence"``, ``"ranking"``, ``"tippett"``, ``"ece"`` (None: left out).
    signer : str
        The installation id that signs the report.
    """
    case, ident, evidence = content["case"], content["identification"], content["evidence"]
    digest = content_sha256(content)
    pdf = _ReportPDF(f"gait-ID case report · case {case['case_id']} · identification "
                     f"{ident['identification_id']} · content SHA-256 {digest[:16]}")
    pdf.set_creation_date(_created(content))
    pdf.set_title(f"Case report: {case['name']}, identification {ident['identification_id']}")
    pdf.set_author(f"gait-ID {content['report_software_version']}, installation {signer}")
    pdf.set_creator("gait-ID")
    pdf.set_producer("gait-ID")
    pdf.add_page()
    pdf.set_font(_BODY, "B", 16)
    pdf.multi_cell(0, 9, "Forensic gait analysis: evaluative report", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_font(_BODY, size=9)
    pdf.facts([("Case", f"{case['name']} (case {case['case_id']}, opened {case['created_at']})"),
               ("Identification", f"#{ident['identification_id']}, made {ident['created_at']} "
                                  f"by {ident['added_by']}"),
               ("Software", f"gait-ID {ident['software_version']} (identification), "
                            f"{content['report_software_version']} (report)"),
               ("Signed by installation", signer),
               ("Content SHA-256", digest)])
    if case["synthetic"]:
        pdf.paragraph("This is a demonstration case made from synthetic walkers: not evidence.",
                      bold=True)

    pdf.heading("1. Question and propositions")
    if content["propositions"]:
        pdf.paragraph("For the top-ranked suspect the evidence (the walk in the footage) is "
                      "weighed under two propositions:")
        pdf.facts([("Hp", content["propositions"]["Hp"]), ("Hd", content["propositions"]["Hd"])])
        pdf.facts([("Decision rule", content["rule"])])
        pdf.paragraph("The likelihood ratio (LR) says how much more probable the observed walk "
                      "is if Hp is true than if Hd is true. It is not the probability that the "
                      "suspect is the person: that also depends on the other evidence in the case.")
    else:
        pdf.paragraph("The model has no likelihood-ratio calibration: only a ranking is given.")

    pdf.heading("2. Result")
    top = content["top"]
    if top:
        pdf.paragraph(f"LR for {top['suspect']}: {_lr(top['lr'])} (log10 LR "
                      f"{top['log10_lr']:+.2f}), {top['verbal']}.", bold=True)
    pdf.paragraph(f"Verdict: {ident['verdict']}"
                  + (f" ({ident['suspect']})" if ident["suspect"] else "") + ". "
                  + ident["reason"].rstrip(".") + ".")
    pdf.picture(figures.get("ranking"), 150)
    ranking = content["ranking"]
    robust = any(r.get("lr_calibration") == "clothing-robust" for r in ranking)
    pdf.grid(["rank", "suspect", "log10 LR", "LR", "verbal equivalent", "network share",
              *(["LR from"] if robust else [])],
             [[r["rank"], r["suspect"], _number(r["log10_lr"]), _lr(r["lr"]), r["verbal"] or "",
               f"{r['network_share']:.3f}", *([r.get("lr_calibration") or ""] if robust else [])]
              for r in ranking],
             (10, 30, 18, 18, 60, 22, *((24,) if robust else ())))
    pdf.paragraph(f"Gait cycles analysed: {ident['n_cycles']}; weight of the evidence "
                  f"{ident['evidence_weight']:g}. The network share ranks the suspects "
                  "(it sums to 1 over them); the LR weighs the evidence.")
    scale = "; ".join(f"below {10 ** upper:,.0f}: {words}" for upper, words in VERBAL_SCALE[:-1])
    pdf.paragraph(f"Verbal scale ({content['scale'] or 'ENFSI'}), for the proposition the LR "
                  f"favours (LR above 1: Hp; below 1: the same words for Hd, with 1/LR): "
                  f"{scale}; above: extremely strong support.")

    pdf.heading("3. The evidence")
    quality = evidence["quality"]
    walk = ("the whole recording" if evidence["start_s"] is None else
            f"track {evidence['track_id']}, {evidence['start_s']:.2f} s to "
            f"{evidence['end_s']:.2f} s")
    size = evidence["frame_size_px"]
    pdf.facts([
        ("File", evidence["original_name"]),
        ("Video SHA-256", evidence["video_sha256"] or "(keypoints imported, no video)"),
        ("Video size", "" if evidence["video_bytes"] is None else
         f"{evidence['video_bytes']:,} bytes"),
        ("Keypoints SHA-256", evidence["keypoints_sha256"]),
        ("Recording", f"{evidence['duration_s']:.2f} s at {evidence['fps']:g} fps"
                      + (f", {size[0]} x {size[1]} px" if size else "")),
        ("Walk analysed", walk),
        ("View, direction, condition", f"{evidence['view']}, {evidence['direction']}, "
                                       f"{evidence['condition']}"),
        ("Stored", f"{evidence['added_at']} by {evidence['added_by']}"),
        ("Quality", f"person found in {quality['frames_with_person']} of "
                    f"{quality['n_frames']} frames; mean landmark visibility "
                    f"{quality['mean_visibility']:.2f}; {quality['n_cycles']} gait cycles"),
    ])
    for warning in quality["warnings"]:
        pdf.paragraph(f"Warning: {warning}")
    pdf.picture(figures.get("evidence"), 150)

    pdf.heading("4. The suspects' enrolment material")
    for suspect in content["suspects"]:
        pdf.paragraph(suspect["name"] + (f": {suspect['notes']}" if suspect["notes"] else ""),
                      bold=True)
        pdf.grid(["clip", "file", "direction", "condition", "cycles", "SHA-256"],
                 [[c["clip_id"], c["original_name"], c["direction"], c["condition"],
                   c["n_cycles"], c["sha256"][:16] + "…"] for c in suspect["clips"]],
                 (10, 62, 18, 20, 12, 38))

    pdf.heading("5. The model")
    model = content["model"]
    versions = ", ".join(f"{k} {v}" for k, v in sorted(model["software_versions"].items()))
    settings = ", ".join(f"{k}={v}" for k, v in sorted(model["settings"].items()))
    pdf.facts([("Model", f"#{model['model_id']}, {model['view']} view, trained "
                         f"{model['created_at']} by {model['added_by']}"),
               ("Network file SHA-256", model["keras_sha256"]),
               ("Metadata SHA-256", model["json_sha256"]),
               ("Training data SHA-256", model["training_data_sha256"]),
               ("Training data", f"{model['n_cycles']} cycles of {model['n_clips']} clips, "
                                 f"{model['epochs']} epochs"),
               ("Settings", settings), ("Software", versions)])
    pdf.paragraph(content["method"])

    pdf.heading("6. Validation of the method on this case's enrolment data")
    validation = content["validation"]
    if validation:
        m, cal = validation["metrics"], validation["calibration"]
        pdf.paragraph(f"Calibration data: {validation['protocol']}. {m['n_genuine']} comparisons "
                      f"with Hp true ({validation['n_genuine_clips']} clips), {m['n_impostor']} "
                      f"with Hd true ({validation['n_impostor_clips']} clips of held-out people "
                      "and the other suspects).")
        pdf.facts([("Cllr (bits)", f"{m['cllr']:.3f} (discrimination Cllr_min {m['cllr_min']:.3f},"
                                   f" calibration loss {m['cllr_cal']:.3f}; 0 is perfect, 1 "
                                   "uninformative)"),
                   ("Equal error rate", f"{m['eer']:.1%}"),
                   ("Misleading evidence", f"{m['misleading_hp']:.1%} of Hp-true comparisons "
                                           f"had LR < 1; {m['misleading_hd']:.1%} of Hd-true "
                                           "had LR > 1"),
                   ("Naming rule", f"LR {validation['name_at_lr']:g}: named a person who is not "
                                   f"a suspect in {m.get('fpir', 0):.1%} of such clips, missed "
                                   f"the right suspect in {m.get('fnir', 0):.1%}"),
                   ("Calibration", f"log10 LR = {cal['slope']:.3g} x score "
                                   f"{cal['intercept']:+.3g}, bounded to "
                                   f"[{cal['lower_log10']:.2f}, {cal['upper_log10']:.2f}] "
                                   "(ELUB)")])
        y = pdf.get_y()
        for k, name in enumerate(("tippett", "ece")):
            png = figures.get(name)
            if png is not None:
                pdf.image(io.BytesIO(png), x=pdf.l_margin + k * 92, y=y, w=88)
        pdf.ln(72)
    else:
        pdf.paragraph("No validation: the model has no likelihood-ratio calibration.")

    pdf.heading("7. Gait parameters compared")
    parameters = content["parameters"]
    if parameters["agree"]:
        pdf.paragraph(f"Evidence against {parameters['suspect']}'s enrolment (standardised "
                      "difference: median difference in units of the suspect's own spread).")
        for title, rows in (("Agree most", parameters["agree"]),
                            ("Differ most", parameters["differ"])):
            pdf.paragraph(title, bold=True)
            pdf.grid(["parameter", "unit", "evidence", "suspect", "std. difference"],
                     [[r["parameter"], r["unit"], _number(r["evidence_median"]),
                       _number(r["suspect_median"]), f"{r['standardised_difference']:+.2f}"]
                      for r in rows], (62, 22, 28, 28, 30))
    else:
        pdf.paragraph("No gait parameter could be compared.")

    pdf.heading("8. Limitations")
    for limitation in content["limitations"]:
        pdf.paragraph(f"• {limitation}")

    pdf.heading("9. Audit trail")
    pdf.paragraph("Every recorded action of the case up to this identification (UTC).")
    pdf.grid(["#", "time", "action", "by", "details"],
             [[e["event_id"], e["at"], e["action"], e["actor"],
               ", ".join(f"{k} {str(v)[:16]}" for k, v in sorted(e["details"].items()))]
              for e in content["audit_trail"]], (10, 38, 28, 30, 84))
    return bytes(pdf.output())


def report_figures(store: CaseStore, content: dict[str, Any]) -> dict[str, bytes | None]:
    """The report's figures for ``content`` (see :func:`render_pdf`)."""
    clip = store.clip(content["evidence"]["clip_id"])
    validation = content["validation"]
    figures: dict[str, bytes | None] = {
        "evidence": evidence_frames_png(store, clip, store.keypoints(clip)),
        "ranking": (lr_ranking_png(content["ranking"], validation["name_at_lr"])
                    if validation and content["top"] else None),
    }
    if validation:
        figures["tippett"] = tippett_png(validation["log10_lrs"], validation["hp"])
        figures["ece"] = ece_png(validation["log10_lrs"], validation["hp"])
    return figures


def report_path(store: CaseStore, identification_id: int) -> Path:
    """Where the dashboard keeps the report of an identification (``reports/`` in the data
    folder)."""
    record = store.identification(identification_id)
    return (store.data_dir / "reports" /
            f"case-{record.case_id}-identification-{identification_id}.pdf")


def write_case_report(store: CaseStore, identification_id: int,
                      out_path: str | os.PathLike[str], actor: str = "") -> tuple[Path, Path]:
    """Write the signed case report of one identification.

    Returns
    -------
    (Path, Path)
        The PDF and its signature file.

    Raises
    ------
    StoreError
        If the identification or a file it rests on is missing or altered, or the report
        cannot be written.
    AccessDenied
        If the acting user may not make reports of the case.
    """
    store.require(MAKE_REPORT, store.identification(identification_id).case_id)
    content = report_content(store, identification_id)
    signer = installation_id(signing_key(store.data_dir).public_key())
    data = render_pdf(content, report_figures(store, content), signer)
    out = Path(out_path)
    try:
        atomic_write(out, lambda handle: handle.write(data))
    except OSError as exc:
        raise StoreError(f"cannot write the report {out}: {exc.strerror or exc}") from exc
    signature = sign_report(store, out, content["case"]["case_id"], {
        "identification_id": identification_id, "content_sha256": content_sha256(content)},
        actor)
    return out, signature
