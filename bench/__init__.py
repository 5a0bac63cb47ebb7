"""Benchmarks: `python -m bench [--quick]` writes bench/results.json and the table in
docs/BENCHMARKS.md. Not tests: nothing here fails on a time."""
