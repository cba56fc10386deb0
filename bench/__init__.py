"""Benchmarks: ``make bench`` runs them all; each module also runs alone (``python -m bench.X``)."""
