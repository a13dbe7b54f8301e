"""gait-ID engine: walking videos -> MediaPipe keypoints -> gait cycles -> per-cycle gait
parameters -> a per-view Keras network that names the suspect who walks like the evidence.

One subpackage per stage, following the data; every import points down this list (the
layers contract of import-linter in ``pyproject.toml``, checked by the test suite):

``gait.cli``, ``gait.bench``
    The command line (``python -m gait``) and the benchmark.
``gait.case``
    The case store and the case work that the dashboard and the command line call.
``gait.identification``
    The networks, identification with its open-set decision, verification, evaluation.
``gait.walk``
    From landmarks to gait: cleaning, events and cycles, parameters, features, quality.
``gait.pose``
    Finding people and their landmarks in videos.
``gait.media``
    Files in and out: videos, keypoint files and data sets, overlays.

The engine never imports streamlit or the dashboard (``app.py``, ``ui/``, ``pages/``).
"""

__version__ = "0.1.0"
