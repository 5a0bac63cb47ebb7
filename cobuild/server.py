"""`cobuild serve`: one process with the web app, the API and the embedded scheduler.

`/healthz` reports the scheduler's jobs with their next run and the outbox by status — enough
for a proxy's health check and for an operator to see that reminders are flowing.
"""

from __future__ import annotations


def serve_forever(db_url: str, host: str, port: int, scheduler: bool = True, demo: bool = False,
                  workers: int = 1) -> None:
    """The web app and API under uvicorn; the embedded scheduler in the same process (with
    several workers: in the parent process, which supervises them)."""
    import logging

    import uvicorn

    from cobuild.platform.settings import get_settings
    from cobuild.web.app import make_app
    from cobuild.web.security import secret_key

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import os

    # the embedded scheduler's sweeps stay in this process and leave its collector alone unless
    # the operator asks for the speed paths (COBUILD_SWEEP_TUNING=auto): see cobuild/sweep/executor.py
    os.environ.setdefault("COBUILD_SWEEP_TUNING", "serial")
    if demo:
        # the demo's people have example.org addresses: its messages go to a file, as in `cobuild demo`
        os.environ.setdefault("COBUILD_DELIVERY", "file")
        os.environ.setdefault("COBUILD_OUTBOX_DIR", "cobuild-demo-outbox")
    settings = get_settings()
    key = secret_key(settings.secret_key, demo)  # refuses to start with a default secret outside demo mode
    jobs = None
    if scheduler:
        from cobuild.scheduler import build_scheduler

        jobs = build_scheduler(db_url)
    app = make_app(db_url, secret_key=key, secure_cookies=settings.secure_cookies, demo=demo, scheduler=jobs)
    if jobs:
        from cobuild.flows.local_api import start_shared_in_background

        start_shared_in_background()  # the scheduled runs' Prefect server; the web does not wait for it
        jobs.start()
    # uvicorn stops on SIGTERM, then raises it again with the handler found before it started:
    # let that be an exit, so that the scheduler and the shared Prefect server stop cleanly
    # (flows.local_api) instead of the process being killed by the default action
    from cobuild.platform.lifeline import exit_on_sigterm

    exit_on_sigterm()
    logging.getLogger("cobuild").info("cobuild serving on http://%s:%s/ (API docs /api/docs; scheduler %s)", host, port,
                                      "on" if jobs else "off")
    try:
        if workers > 1:
            import os

            os.environ.update(COBUILD_SERVE_DB=db_url, COBUILD_SERVE_KEY=key,
                              COBUILD_SERVE_SECURE="1" if settings.secure_cookies else "0",
                              COBUILD_SERVE_DEMO="1" if demo else "0")
            from cobuild.web.asgi import balanced, supervise

            if balanced():
                supervise(workers, host, port)
            else:
                uvicorn.run("cobuild.web.asgi:create", factory=True, workers=workers, host=host, port=port,
                            forwarded_allow_ips=settings.forwarded_allow_ips,
                            log_level="warning", access_log=False)
        else:
            from cobuild.web.asgi import freeze_startup_objects

            freeze_startup_objects()
            uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                        forwarded_allow_ips=settings.forwarded_allow_ips)
    finally:
        if jobs:
            jobs.shutdown(wait=False)
