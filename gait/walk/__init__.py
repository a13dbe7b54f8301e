"""From landmarks to gait: walk analysis.

Cleaning a keypoint sequence into a body-normalised walk in a canonical direction
(:mod:`~gait.walk.sequence`), gait events and cycles (:mod:`~gait.walk.cycles`), the catalogue
of per-cycle gait parameters (:mod:`~gait.walk.parameters`, over a cycle's window of the walk
(:mod:`~gait.walk.cycle_window`) and its joint-angle curves' Fourier descriptors
(:mod:`~gait.walk.waveforms`)), per-cycle feature tables of clips
and data sets (:mod:`~gait.walk.features`), augmented copies of a walk for training
(:mod:`~gait.walk.augmentation`), how covariates shift the parameters
(:mod:`~gait.walk.covariate_shift`) and a clip's quality card (:mod:`~gait.walk.quality`).

May import: :mod:`gait.media` and :mod:`gait.pose`. Knows nothing of suspects, models or cases:
its output is numbers about a walk.
"""
