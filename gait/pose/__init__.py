"""Finding people and their landmarks in videos.

MediaPipe Pose extraction of the walking person (:mod:`~gait.pose.extraction`), the people
detectors that run side by side on a frame (:mod:`~gait.pose.people`), linking per-frame
detections into person tracks and choosing the walker (:mod:`~gait.pose.tracks`), the keypoint
cache keyed by video content and extractor settings (:mod:`~gait.pose.cache`), throughput
measurements for the benchmark (:mod:`~gait.pose.throughput`), and a synthetic walker with
known gait for tests and the demo case (:mod:`~gait.pose.synthetic`).

New stages that find or follow people in frames (person detection at several scales,
regions of interest, trackers, walking segments of long recordings) belong here.

May import: :mod:`gait.media`. Its output is a :class:`gait.media.keypoints.KeypointSequence`.
"""
