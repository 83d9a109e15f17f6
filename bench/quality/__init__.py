"""Continuation quality: how close segue's answers are to the real next notes of held-out music.

``python -m bench.quality`` cuts held-out pieces into seed + real continuation windows
(:mod:`~bench.quality.windows`), has segue's samplers (:mod:`~bench.quality.segue`) and baselines
(:mod:`~bench.quality.baselines`) answer each seed, scores every answer against the real continuation
(:mod:`~bench.quality.metrics`), summarises with piece-level bootstrap intervals
(:mod:`~bench.quality.stats`) and writes tables, JSON and piano rolls (:mod:`~bench.quality.report`,
:mod:`bridge.pianoroll`). The protocol's defaults live in :mod:`~bench.quality.settings`.
"""

from bench.quality.settings import Settings

__all__ = ["Settings"]
