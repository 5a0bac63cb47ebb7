"""Benchmarks: `python -m bench [--quick]` writes bench/results.json and the table in
docs/BENCHMARKS.md. Not tests: nothing here fails on a time."""


def free_port() -> int:
    """A free TCP port on loopback for a server the bench starts."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
