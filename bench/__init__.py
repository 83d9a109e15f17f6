"""Benchmarks whose tables the README quotes: ``python -m bench.decoder`` and ``python -m bench.latency``."""
