"""Peer implementations of our pipeline, run beside it by the benchmark in their own environments."""
