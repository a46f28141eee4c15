"""Benchmarks: instance readers, quality runs and their records (`python -m benchmarks ...`)."""
