"""Benchmarks that print their figures (`make bench`); never timed assertions."""
