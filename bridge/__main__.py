"""``python -m bridge``: the ``segue`` command."""

import sys

from bridge.cli import main

sys.exit(main())
