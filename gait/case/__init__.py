"""The case: evidence, suspects and what was done with them.

The case store (:mod:`gait.case.store`: an embedded SQLite registry with content-addressed
files, accounts, case members and an append-only audit log, and handles that act for one
account and check what it may do), passwords and log-in (:mod:`~gait.case.accounts`), and the
case work that pages and the command line call:
adding clips (:mod:`~gait.case.intake`), importing keypoint data sets
(:mod:`~gait.case.dataset_import`), per-clip analysis computed once
(:mod:`~gait.case.clip_analysis`), the case's parameter tables (:mod:`~gait.case.tables`),
comparisons of parameters (:mod:`~gait.case.comparisons`), training a case's models
(:mod:`~gait.case.training`), identifying evidence (:mod:`~gait.case.evidence`) and the
synthetic demo case (:mod:`~gait.case.demo`).

May import: every engine layer below it (:mod:`gait.identification`, :mod:`gait.walk`,
:mod:`gait.pose`, :mod:`gait.media`). Never imports streamlit: the dashboard (``ui/``,
``pages/``) sits above it.
"""
