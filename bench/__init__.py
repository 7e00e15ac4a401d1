"""Benchmarks (`make bench`): figures measured against baselines taken in the same run."""
