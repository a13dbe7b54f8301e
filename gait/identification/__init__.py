"""Who walks like this: the networks and the decisions made with them.

Network settings (:mod:`~gait.identification.settings`), the Keras network and its layers
(:mod:`~gait.identification.network`), training (:mod:`~gait.identification.training`), the
saved model (:mod:`~gait.identification.model`), verification scores against suspect
templates (:mod:`~gait.identification.verification`), clip-level identification with the
open-set decision (:mod:`~gait.identification.identify`) and the evaluation protocols
(:mod:`~gait.identification.evaluate`).

May import: :mod:`gait.walk` and the layers below it. Works on feature tables and model files;
knows nothing of cases, suspects' records or the case store.
"""
