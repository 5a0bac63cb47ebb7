"""A second process for the sweep's big ticks: it does whole batches, and can render.

The sweep's Python holds one core. With a second core, the sweep hands batches to one worker
process as it reads them (cobuild/sweep/items.py): the worker works each one out
(`plan_batch`, reading who is who on a database connection of its own), renders it, writes it
and commits (`sweep_in_worker`), while the sweep does the batches it keeps. SQLite lets one of
the two write at a time; the rest of their work overlaps. `submit` hands it rendering alone.

The worker is `python -m cobuild.sweep.worker`, a process of its own (not a fork: the
scheduler that runs the sweep has threads and open database connections; and not
multiprocessing's spawn, which re-imports the parent's main script). Tasks go to it and answers
come back as pickles over its stdin and stdout, in order. Its start-up (imports, longer for a
planner) happens in the background: until it has said it is ready, batches are done here, so a
tick that turns out small never waits for it. If it dies, or fails on a batch (which then has
nothing committed), that batch is done here (where a real error is raised as it would be
without a worker) and the sweep goes on.

A worker that served a big tick is kept for the next one (`keep`, `borrow`): where ticks are big
they come every 5 minutes, and a tick that finds its worker up shares its batches from the
first one on, instead of working alone through the worker's ~0.5-0.7 s of start-up. It is closed
after `KEEP_SECONDS` with no big tick, and when this process ends (it also leaves by itself when
this process is gone: its stdin closes). Where no tick is ever big, none is ever started.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future
from contextlib import contextmanager
from functools import partial

from cobuild.notifications.rendering import render_jobs

log = logging.getLogger(__name__)

READY = "ready"

# the cyclic garbage collector's first threshold while rendering here and while a sweep runs
# (fewer_collections, below); Python's default is 700. A message's
# garbage is freed by reference counts: collecting every 700 allocations was a measurable share
# of a big sweep (bench/limits.md).
GC_THRESHOLD = 20_000


def speed_paths() -> bool:
    """Whether this process's sweeps take the speed paths: the second process for big ticks on
    a SQLite file (with the write-ahead log copied back after the tick) and the collector run
    less often during a sweep. COBUILD_SWEEP_TUNING=auto (the default; `cobuild scheduler`, the
    flows) or serial: one process, the interpreter's own collector thresholds — what `cobuild
    serve` sets for itself unless told otherwise, so that the web app beside the embedded
    scheduler never runs under the sweep's collector settings or beside a second process."""
    from cobuild.platform.settings import get_settings

    return get_settings().sweep_tuning == "auto"


def can_help() -> bool:
    """A second process only helps when there is a second core to run it."""
    return (os.cpu_count() or 1) > 1


class WorkerGone(Exception):
    """The worker stopped or could not do a task: it is done here."""


class RenderWorker:
    def __init__(self, planner: bool = False) -> None:
        """`planner`: the worker imports the sweep (and the ORM) before it says it is ready, so
        that its first `sweep` task does not wait for them."""
        # the worker imports this package from where this process found it, whatever its cwd
        here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
        self._process = subprocess.Popen([sys.executable, "-m", "cobuild.sweep.worker",
                                          *(["--plan"] if planner else [])], env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._ready = threading.Event()
        self._alive = True
        self._waiting: deque[Future] = deque()
        self._lock = threading.Lock()
        # the pipes are worked by threads of their own: a batch (~0.3 MB) does not fit in a pipe,
        # and the sweep must not wait for the worker to finish the batch before to take the next
        # one (that wait made the two run one after the other); nor the worker on the sweep
        self._outgoing: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write, name="render-worker-writer", daemon=True)
        self._reader = threading.Thread(target=self._read, name="render-worker-reader", daemon=True)
        self._writer.start()
        self._reader.start()

    def _write(self) -> None:
        stream = self._process.stdin
        try:
            while (data := self._outgoing.get()) is not None:
                stream.write(data)
                stream.flush()
            stream.write(pickle.dumps(None))
            stream.close()
        except (OSError, ValueError):
            pass  # the worker is gone: the reader sees its end and hands its batches back

    def _read(self) -> None:
        stream = self._process.stdout
        try:
            if pickle.load(stream) != READY:  # type: ignore[arg-type]
                raise WorkerGone("unexpected greeting")
            self._ready.set()
            while True:
                ok, payload = pickle.load(stream)  # type: ignore[arg-type]
                with self._lock:
                    future = self._waiting.popleft()
                future.set_result(payload) if ok else future.set_exception(WorkerGone(payload))
        except Exception as error:  # EOF, a broken pipe, garbage: the worker is gone
            with self._lock:
                self._alive = False
                waiting, self._waiting = list(self._waiting), deque()
            for future in waiting:
                future.set_exception(WorkerGone(str(error) or type(error).__name__))

    @property
    def alive(self) -> bool:
        """Up and answering, as far as this process can tell."""
        return self._ready.is_set() and self._alive and self._process.poll() is None

    def wait_ready(self, timeout: float) -> bool:
        """Whether the worker is up (the sweep never waits for it; tests do)."""
        return self._ready.wait(timeout)

    def submit(self, jobs: list[tuple]) -> Answer:
        """Start rendering `jobs`: in the worker once it is up, here (when asked for) until then."""
        here = partial(render_jobs, jobs)
        return self.call("render", (jobs,), here) if jobs else Answer(here, None)

    def call(self, task: str, args: tuple, here) -> Answer:
        """Start `TASKS[task](*args)` in the worker once it is up; `here()` gives the same answer
        in this process (when asked for, if the worker is not up or fails)."""
        if not self._ready.is_set():
            return Answer(here, None)
        data = pickle.dumps((task, args), protocol=pickle.HIGHEST_PROTOCOL)
        future: Future = Future()
        with self._lock:
            if not self._alive:
                return Answer(here, None)
            self._waiting.append(future)
        self._outgoing.put(data)
        return Answer(here, future)

    def close(self) -> None:
        if not self._ready.is_set():
            self._process.kill()  # never used: not worth waiting for its imports to finish
        self._outgoing.put(None)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._writer.join(timeout=10)
        self._reader.join(timeout=10)
        for pipe in (self._process.stdin, self._process.stdout):
            try:
                pipe.close()
            except (OSError, ValueError):
                pass


class Answer:
    """One task's answer: from the worker, or (future None) worked out here when asked for."""

    def __init__(self, here, future: Future | None):
        self.here, self.future = here, future

    @property
    def in_worker(self) -> bool:
        return self.future is not None

    @property
    def done(self) -> bool:
        """Whether `result` would not wait."""
        return self.future is None or self.future.done()

    def result(self):
        if self.future is not None:
            try:
                return self.future.result()
            except WorkerGone as error:
                log.warning("the sweep's worker could not do a batch (%s); doing it here", error)
        return self.here()


# ---- a worker kept between big ticks ----------------------------------------------------------

# how long a worker is kept with no big tick to share: three ticks of 5 minutes
KEEP_SECONDS = 15 * 60
_kept_lock = threading.Lock()
_kept: RenderWorker | None = None
_kept_timer: threading.Timer | None = None


def borrow() -> RenderWorker | None:
    """The worker kept from an earlier big tick of this process, if it is still up; it is this
    caller's (another sweep at the same time gets None) until it is given back with `keep`."""
    global _kept, _kept_timer
    with _kept_lock:
        worker, _kept = _kept, None
        if _kept_timer is not None:
            _kept_timer.cancel()
            _kept_timer = None
    if worker is not None and not worker.alive:
        worker.close()
        return None
    return worker


def keep(worker: RenderWorker) -> None:
    """Keep a worker for the next big tick (one per process: a second one is closed), or close
    it if it is no longer up. Closed after KEEP_SECONDS unless borrowed before."""
    global _kept, _kept_timer
    with _kept_lock:
        if _kept is None and worker.alive:
            _kept = worker
            _kept_timer = threading.Timer(KEEP_SECONDS, _close_idle, (worker,))
            _kept_timer.daemon = True
            _kept_timer.start()
            return
    worker.close()


def _close_idle(worker: RenderWorker) -> None:
    global _kept, _kept_timer
    with _kept_lock:
        if _kept is not worker:
            return  # borrowed meanwhile
        _kept, _kept_timer = None, None
    worker.close()


def close_kept() -> None:
    """Close the kept worker, if any (at exit; tests, between tests)."""
    worker = borrow()
    if worker is not None:
        worker.close()


atexit.register(close_kept)


SWEEP_GC_THRESHOLD = GC_THRESHOLD  # the sweeping process's, as the worker's
_gc_lock = threading.Lock()
_gc_sweeps = 0
_gc_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections():
    """Run the collector less often while a sweep runs. A big tick allocates a few dicts and
    tuples per message, nearly all freed at once by their reference counts; at Python's default
    the collector still started every 700 allocations, and each older-generation pass walked all
    the objects of the process (the directory, SQLAlchemy's caches). Only where speed_paths()
    says so (sweep/items.py). Counted, so overlapping sweeps (threads of one scheduler) restore the
    process's own thresholds only when the last one ends."""
    global _gc_sweeps, _gc_saved
    with _gc_lock:
        if _gc_sweeps == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(_gc_saved[0], SWEEP_GC_THRESHOLD), *_gc_saved[1:])
        _gc_sweeps += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_sweeps -= 1
            if _gc_sweeps == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)
