"""Files in and out: the bottom layer of the engine.

Video decoding, probing and hashing (:mod:`~gait.media.video`), the MediaPipe landmark
vocabulary (:mod:`~gait.media.landmarks`), the keypoint file format
(:mod:`~gait.media.keypoints`) and keypoint data sets with their manifest
(:mod:`~gait.media.datasets`), skeleton overlay videos (:mod:`~gait.media.overlay`), and
atomic writes and content hashes of files (:mod:`~gait.media.files`).

May import: the standard library and third-party packages only (NumPy, PyAV, OpenCV), never
another layer of ``gait``. Everything above reads and writes files through this layer.
"""
