"""Benchmarks of the engine against today's practice, a generic MIP and the LP bound.

Run `python -m benchmarks` (all sizes) or `python -m benchmarks --quick` (the smallest only); the
table goes to standard output, progress to standard error. See docs/benchmarks.md.
"""
