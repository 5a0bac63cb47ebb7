"""Benchmarks: `python -m bench [--quick]` writes bench/results.json and the table in
docs/BENCHMARKS.md. Not tests: nothing here fails on a time."""

from tests.support.server import free_port  # noqa: E402,F401 — one helper for both
