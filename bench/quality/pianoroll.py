"""The piano rolls of ``bench.quality`` are drawn by :mod:`bridge.pianoroll` (``segue continue --png`` draws
the same); this name stays for the code that imports it from here."""

from bridge.pianoroll import render_roll

__all__ = ["render_roll"]
