"""Worker processes for `cobuild serve --workers N`.

The parent process (`serve_forever`) resolves the settings, runs the embedded scheduler, and
hands the database URL and the session key to its workers through the environment. On Linux
each worker listens on a socket of its own bound with SO_REUSEPORT, so the kernel spreads new
connections evenly over the workers. With one shared socket (uvicorn's `--workers`) whichever
worker wakes first accepts every connection waiting: 50 keep-alive clients opened at once
landed 45 on one worker and 5 on the other, which then served 250 requests a second while
its twin idled (measured: 24.4 s against 3.0 s of CPU in a 20 s run; p99 4.7 s instead of
0.1 s). `supervise` restarts a worker that dies and stops them all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading

log = logging.getLogger("cobuild.serve")

BIND_FAILED = 3  # a worker's exit code when it cannot listen: restarting it would fail again


def create():
    from cobuild.web.app import make_app

    return make_app(os.environ["COBUILD_SERVE_DB"], secret_key=os.environ["COBUILD_SERVE_KEY"],
                    secure_cookies=os.environ.get("COBUILD_SERVE_SECURE") == "1",
                    demo=os.environ.get("COBUILD_SERVE_DEMO") == "1")


def balanced() -> bool:
    """Whether the kernel balances connections among SO_REUSEPORT sockets (Linux does; macOS
    and the BSDs give every connection to the last socket bound)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def worker(host: str, port: int, parent_pid: int) -> None:
    """One worker process: its own listening socket, the app, uvicorn; gone with its parent."""
    import uvicorn

    from cobuild.platform.lifeline import die_with_parent

    die_with_parent(parent_pid)

    try:
        sock = listen(host, port)
    except OSError as exc:
        print(f"cobuild serve: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        sys.exit(BIND_FAILED)
    from cobuild.platform.settings import get_settings

    config = uvicorn.Config(create, factory=True, log_level="warning", access_log=False,
                            forwarded_allow_ips=get_settings().forwarded_allow_ips)
    config.load()  # builds the app (imports it all) before the objects are frozen
    freeze_startup_objects()
    uvicorn.Server(config).run(sockets=[sock])


def freeze_startup_objects() -> None:
    """Move everything that exists once the app is built (modules, classes, routes, the
    models' metadata: hundreds of thousands of objects) out of the garbage collector's reach.
    Left in, every full collection walked them all with the process stopped, several times a
    minute under load — that pause was the p99 of every kind of request (bench/limits.md)."""
    import gc

    gc.collect()
    gc.freeze()


def supervise(workers: int, host: str, port: int) -> None:
    """Start `workers` worker processes and keep them running until SIGINT or SIGTERM."""
    import multiprocessing

    # Fail before starting anyone when the port is taken by something that is not one of us
    # (a socket bound without SO_REUSEPORT): the same OSError a single process gives.
    listen(host, port).close()
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start():
        process = context.Process(target=worker, args=(host, port, os.getpid()), daemon=True)
        process.start()
        return process

    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(workers)]
    try:
        while not stop.wait(0.5):
            for n, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == BIND_FAILED:
                    raise OSError(f"worker {process.pid} could not listen on {host}:{port}")
                log.warning("web worker %s exited (%s); starting another", process.pid, process.exitcode)
                processes[n] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
