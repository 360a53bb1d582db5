"""Benchmarks: a realistic data generator and timings of the pages that matter."""
