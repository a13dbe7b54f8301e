"""``python -m gait``: the command line (see :mod:`gait.cli`)."""

import sys

from gait.cli import main

sys.exit(main())
