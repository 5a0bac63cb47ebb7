"""The sweep's second process (`python -m cobuild.sweep.worker`, started by `executor.RenderWorker`):
tasks in on stdin, their answers out on stdout, until None or EOF. It knows the sweep; the
executor that starts it does not."""

from __future__ import annotations

import gc
import os
import pickle
import sys

from cobuild.notifications.rendering import render_jobs
from cobuild.sweep.executor import GC_THRESHOLD, READY


def _sweep(*args):
    from cobuild.sweep.items import sweep_in_worker

    return sweep_in_worker(*args)


def _sweep_over():
    from cobuild.sweep.items import end_worker

    end_worker()


# what the worker does, by name (nothing else can be asked of it)
TASKS = {"render": render_jobs, "sweep": _sweep, "sweep_over": _sweep_over}


def main() -> None:
    """The worker: tasks in on stdin, their answers out on stdout, until None or EOF."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    if "--plan" in sys.argv[1:]:
        import cobuild.sweep.items  # noqa: F401 — before "ready": the first batch must not wait for it
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    pickle.dump(READY, sink)
    sink.flush()
    while True:
        try:
            task = pickle.load(source)
        except EOFError:
            break
        if task is None:
            break
        try:
            name, args = task
            answer = (True, TASKS[name](*args))
        except Exception as error:  # the sweep does this batch itself and sees the real error
            answer = (False, f"{type(error).__name__}: {error}")
        pickle.dump(answer, sink, protocol=pickle.HIGHEST_PROTOCOL)
        sink.flush()
    # everything is written and committed: close the database and leave without tearing down
    # the interpreter (freeing a sweep's caches object by object took time the sweep waited for)
    reminders = sys.modules.get("cobuild.sweep.items")
    if reminders is not None:
        reminders.end_worker()
    os._exit(0)


if __name__ == "__main__":
    main()
