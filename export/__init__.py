"""Offline side of segue: corpus, tokenizer, torch models, training and ONNX export.

Needs the ``export`` extra (torch). The runtime in ``bridge/`` never imports this package.
"""
