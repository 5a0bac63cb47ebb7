"""`/healthz`: the scheduler's jobs with their next run and the outbox by status — enough for a
proxy's health check and for an operator to see that reminders are flowing."""

from __future__ import annotations

from sqlmodel import func, select


def health(db_url: str, scheduler) -> dict:
    from cobuild.models import Delivery, Notification
    from cobuild.platform.db import session_for

    with session_for(db_url) as session:
        notifications = dict(session.exec(select(Notification.status, func.count()).group_by(Notification.status)).all())
        deliveries = dict(session.exec(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    jobs = []
    for job in scheduler.get_jobs() if scheduler else []:
        next_run = getattr(job, "next_run_time", None)  # absent until the scheduler has started
        jobs.append({"id": job.id, "next_run": next_run.isoformat() if next_run else None})
    return {"status": "ok", "scheduler": "embedded" if scheduler else "off", "jobs": jobs,
            "notifications": notifications, "deliveries": deliveries}
