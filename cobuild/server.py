"""`cobuild serve`: one process with the embedded scheduler and an HTTP endpoint.

Until the web app arrives this serves a health document (`/healthz`): the scheduler's jobs
with their next run, and the outbox by status — enough for a proxy's health check and for an
operator to see that reminders are flowing.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlmodel import func, select


def health(db_url: str, scheduler) -> dict:
    from cobuild.db import session_for
    from models import Delivery, Notification

    with session_for(db_url) as session:
        notifications = dict(session.exec(select(Notification.status, func.count()).group_by(Notification.status)).all())
        deliveries = dict(session.exec(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    jobs = []
    for job in scheduler.get_jobs() if scheduler else []:
        next_run = getattr(job, "next_run_time", None)  # absent until the scheduler has started
        jobs.append({"id": job.id, "next_run": next_run.isoformat() if next_run else None})
    return {"status": "ok", "scheduler": "embedded" if scheduler else "off", "jobs": jobs,
            "notifications": notifications, "deliveries": deliveries}


def make_server(db_url: str, host: str, port: int, scheduler=None) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path.rstrip("/") not in ("/healthz", ""):
                self.send_error(404)
                return
            try:
                body, code = json.dumps(health(db_url, scheduler), ensure_ascii=False).encode(), 200
            except Exception as exc:  # noqa: BLE001 — a health check reports, it never crashes
                body, code = json.dumps({"status": "error", "error": f"{type(exc).__name__}: {exc}"}).encode(), 503
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet: the scheduler's log is the one that matters
            pass

    return ThreadingHTTPServer((host, port), Handler)


def serve_forever(db_url: str, host: str, port: int, scheduler: bool = True) -> None:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    jobs = None
    if scheduler:
        from cobuild.scheduler import build_scheduler

        jobs = build_scheduler(db_url)
    server = make_server(db_url, host, port, jobs)
    if jobs:
        jobs.start()
    logging.getLogger("cobuild").info("cobuild serving on http://%s:%s/healthz (scheduler %s)", host, port,
                                      "on" if jobs else "off")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if jobs:
            jobs.shutdown(wait=False)
