"""Worker processes for `cobuild serve --workers N`.

The parent process (`serve_forever`) resolves the settings, runs the embedded scheduler, and
hands the database URL and the session key to its workers through the environment. On Linux the
parent listens and accepts, and hands each new connection to the next worker in turn (its socket
passed over a Unix socket pair, SCM_RIGHTS); the worker serves it to the end. So N keep-alive
clients (a reverse proxy's pool, the bench's load generator) are shared evenly, whatever their
addresses. Two ways that did not share them:
- one shared listening socket (uvicorn's `--workers`): whichever worker wakes first accepts every
  connection waiting: 50 keep-alive clients opened at once landed 45 on one worker and 5 on the
  other, which then served 250 requests a second while its twin idled (measured: 24.4 s against
  3.0 s of CPU in a 20 s run; p99 4.7 s instead of 0.1 s);
- a socket per worker bound with SO_REUSEPORT: the kernel picks the worker by a hash of the
  client's address and port, so 50 connections split 25/25 only on average; a 65/35 split of
  the CPU doubled the mixed load's p99 (bench/limits.md).
`supervise` restarts a worker that dies and stops them all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading

log = logging.getLogger("cobuild.serve")



def create():
    from cobuild.web.app import make_app

    return make_app(os.environ["COBUILD_SERVE_DB"], secret_key=os.environ["COBUILD_SERVE_KEY"],
                    secure_cookies=os.environ.get("COBUILD_SERVE_SECURE") == "1",
                    demo=os.environ.get("COBUILD_SERVE_DEMO") == "1")


def balanced() -> bool:
    """Whether the parent can hand connections to its workers: Linux (Unix socket pairs that keep
    message boundaries, SOCK_SEQPACKET)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SOCK_SEQPACKET")


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def worker(channel: socket.socket, parent_pid: int) -> None:
    """One worker process: the app under uvicorn, serving the connections the parent hands it
    over `channel`; gone with its parent."""
    import uvicorn

    from cobuild.platform.lifeline import die_with_parent
    from cobuild.platform.settings import get_settings

    die_with_parent(parent_pid)
    config = uvicorn.Config(create, factory=True, log_level="warning", access_log=False,
                            forwarded_allow_ips=get_settings().forwarded_allow_ips)
    config.load()  # builds the app (imports it all) before the objects are frozen
    freeze_startup_objects()
    _server(config, channel).run()


def _server(config, channel: socket.socket):
    """uvicorn's Server, listening on nothing: it serves the connections that arrive over its
    channel from the parent, each with uvicorn's own protocol, as its listening server would."""
    import asyncio

    import uvicorn

    class Handed(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=[])
            loop = asyncio.get_running_loop()

            def protocol():
                return config.http_protocol_class(config=config, server_state=self.server_state,
                                                  app_state=self.lifespan.state)

            async def serve(connection: socket.socket) -> None:
                try:
                    await loop.connect_accepted_socket(protocol, connection)
                except OSError:  # the client left before it was served
                    connection.close()

            def take() -> None:
                try:
                    _, fds, _, _ = socket.recv_fds(channel, 1, 1)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:  # the channel broke: the parent is gone, and so is this worker
                    fds = []
                if not fds:
                    loop.remove_reader(channel.fileno())
                    self.should_exit = True
                    return
                connection = socket.socket(fileno=fds[0])
                connection.setblocking(False)
                loop.create_task(serve(connection))

            channel.setblocking(False)
            loop.add_reader(channel.fileno(), take)

        async def shutdown(self, sockets=None) -> None:
            try:
                asyncio.get_running_loop().remove_reader(channel.fileno())
            except (ValueError, OSError):  # already removed, or the channel is closed
                pass
            await super().shutdown(sockets)

    return Handed(config)


def freeze_startup_objects() -> None:
    """Move everything that exists once the app is built (modules, classes, routes, the
    models' metadata: hundreds of thousands of objects) out of the garbage collector's reach.
    Left in, every full collection walked them all with the process stopped, several times a
    minute under load — that pause was the p99 of every kind of request (bench/limits.md)."""
    import gc

    gc.collect()
    gc.freeze()


def supervise(workers: int, host: str, port: int) -> None:
    """Start `workers` worker processes, hand them the connections accepted here in turn, and
    keep them running until SIGINT or SIGTERM."""
    import multiprocessing

    listener = listen(host, port)  # a port that is taken fails here, before anyone starts
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    lock = threading.Lock()
    channels: list[socket.socket | None] = [None] * workers

    def start(n: int):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = context.Process(target=worker, args=(theirs, os.getpid()), daemon=True)
        process.start()
        theirs.close()
        # never wait on a worker that is busy starting or stuck: its share goes to the next one
        ours.setblocking(False)
        with lock:
            previous, channels[n] = channels[n], ours
        if previous is not None:
            previous.close()
        return process

    def hand_out() -> None:
        turn = 0
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:  # closed: stopping
                return
            with connection:
                for _ in range(workers):  # the next worker in turn; past one that is gone
                    with lock:
                        channel = channels[turn % workers]
                    turn += 1
                    try:
                        if channel is not None:
                            socket.send_fds(channel, [b"c"], [connection.fileno()])
                            break
                    except OSError:  # gone, or its queue of connections is full
                        continue

    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = [start(n) for n in range(workers)]
    dispatcher = threading.Thread(target=hand_out, name="cobuild-hand-out", daemon=True)
    dispatcher.start()
    try:
        while not stop.wait(0.5):
            for n, process in enumerate(processes):
                if not process.is_alive():
                    log.warning("web worker %s exited (%s); starting another", process.pid, process.exitcode)
                    processes[n] = start(n)
    finally:
        try:  # wakes the thread blocked in accept (closing alone does not, on Linux)
            listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        listener.close()
        with lock:
            for channel in channels:
                if channel is not None:
                    channel.close()
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
