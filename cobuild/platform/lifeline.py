"""Child processes that go when their parent goes.

Whatever cobuild starts beside itself (the local Prefect server, the web workers) must not
outlive the process that started it, however that process ends: a clean exit, SIGTERM, Ctrl-C
or SIGKILL. Two lifelines, each enough alone:

- a pipe: the child's stdin is the read end of a pipe whose write end only the parent holds;
  the kernel closes it when the parent dies in any way, and the child sees end-of-file;
- on Linux, PR_SET_PDEATHSIG: the kernel sends the child SIGTERM when the thread that started
  it ends, so it is asked for only where the parent's main thread started the child.

This module imports nothing heavy: the children call it first thing.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """SIGTERM to this process when its parent dies (Linux); leave at once if it already has."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl in this libc: the pipe lifeline remains
            pass
    if os.getppid() != parent_pid:
        os._exit(1)


def exit_at_end_of(fd: int, grace_seconds: float = 10.0) -> None:
    """A daemon thread that ends this process when file descriptor `fd` reaches end-of-file (the
    parent holding the pipe's other end is gone): SIGTERM to itself first, for a clean shutdown,
    then a hard exit if that has not ended the process within `grace_seconds`. It reads the raw
    descriptor: a daemon thread blocked in a buffered stream's read holds that stream's lock, and
    the interpreter aborts when it exits meanwhile."""

    def watch() -> None:
        try:
            while os.read(fd, 4096):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)
        threading.Event().wait(grace_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="parent-lifeline", daemon=True).start()


def exit_on_sigterm() -> None:
    """SIGTERM ends this process as an exit (finally blocks and atexit run: the children it owns
    are stopped cleanly), not by the signal's default action."""

    def leave(signum, frame) -> None:
        raise SystemExit(128 + signum)

    if started_from_main_thread():  # signal handlers belong to the main thread
        signal.signal(signal.SIGTERM, leave)


def started_from_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
