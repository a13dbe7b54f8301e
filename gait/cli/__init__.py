"""The command line, ``python -m gait``: the top of the engine.

``parser`` (the arguments, ``main``), ``commands`` (extract, import, train, identify,
evaluate, bench, catalogue), ``reports`` (signed case reports: report, verify-report,
public-key), ``tracks`` (the people and walks of a recording) and ``output``
(one-line errors, JSON, progress).

May import: every layer of the engine (:mod:`gait.case` and below), each command only when it
runs, so that ``--help`` stays instant.
"""

from gait.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
