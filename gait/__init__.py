"""gait-ID engine: walking videos -> MediaPipe keypoints -> gait cycles -> per-cycle gait
parameters -> a per-view Keras network that names the suspect who walks like the evidence.

The engine never imports streamlit; the dashboard (``app.py``, ``pages/``) calls it.
"""

__version__ = "0.1.0"
