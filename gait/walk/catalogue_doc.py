"""The parameter catalogue as a Markdown document (``docs/parameters.md`` is generated from it
by ``python -m gait catalogue --markdown docs/parameters.md``)."""

from __future__ import annotations

from gait.media import landmarks as lm
from gait.walk import parameters
from gait.walk.parameters import CATALOGUE, DYNAMIC, STATIC, parameters_for_view


def catalogue_markdown() -> str:
    """The catalogue as a Markdown document: the parameters module's docstring, the counts,
    and one table row per parameter."""
    doc = parameters.__doc__ or ""
    lines = [
        "# Gait parameter catalogue",
        "",
        "Generated from `gait/walk/parameters.py` by `python -m gait catalogue --markdown "
        "docs/parameters.md`; do not edit by hand.",
        "",
        doc.split("\n\n", 1)[1].strip() if doc else "",
        "",
        f"{len(CATALOGUE)} parameters: {len(parameters_for_view('side'))} apply to the side "
        f"view, {len(parameters_for_view('front'))} to the front view; "
        f"{sum(p.kind == STATIC for p in CATALOGUE)} static, "
        f"{sum(p.kind == DYNAMIC for p in CATALOGUE)} dynamic; "
        f"{sum(p.clothing_robust for p in CATALOGUE)} clothing-robust; "
        f"{sum(p.identifies for p in CATALOGUE)} read by the identification network.",
        "",
        "| # | name | unit | kind | group | clothing-robust | identifies | views | landmarks "
        "| formula |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, p in enumerate(CATALOGUE, start=1):
        marks = ", ".join(f"{j} {lm.LANDMARK_NAMES[j]}" for j in p.landmarks)
        lines.append(f"| {i} | `{p.name}` | {p.unit} | {p.kind} | {p.group} | "
                     f"{'yes' if p.clothing_robust else 'no'} | "
                     f"{'yes' if p.identifies else 'no'} | {', '.join(p.views)} | {marks} "
                     f"| {p.description} |")
    return "\n".join(lines) + "\n"
