"""``python -m bench.quality``: see :mod:`bench.quality.cli` for the flags."""

import sys

from bench.quality.cli import main

sys.exit(main())
