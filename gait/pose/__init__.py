"""Finding people and their landmarks in recordings of any length and size.

The person detector on the whole frame and on tiles (:mod:`~gait.pose.detector`), people
followed into tracks with their walking segments (:mod:`~gait.pose.tracking`), the streaming
scan of a recording for its people and walks (:mod:`~gait.pose.scan`), MediaPipe Pose on a
region around the chosen person (:mod:`~gait.pose.roi`), the extraction that ties them
together (:mod:`~gait.pose.extraction`, with its settings in :mod:`~gait.pose.settings`), the
keypoint and scan cache keyed by video content, extractor and settings
(:mod:`~gait.pose.cache`), throughput measurements for the benchmark
(:mod:`~gait.pose.throughput`), and a synthetic walker with known gait for tests and the demo
case (:mod:`~gait.pose.synthetic`).

May import: :mod:`gait.media`. Its output is a :class:`gait.media.keypoints.KeypointSequence`
(and a :class:`gait.pose.scan.RecordingScan` of the people in a recording).
"""
