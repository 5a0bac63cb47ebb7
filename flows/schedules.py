"""The one list of schedules. The embedded scheduler (APScheduler) and the distributed mode
(deployment.yaml for Prefect server) both come from it; a test checks the file matches.

Importing this module does not import Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    id: str  # the APScheduler job id and the Prefect deployment name
    entrypoint: str  # path/to/file.py:flow_function
    every_seconds: int
    description: str


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("advance", "flows/cycles.py:advance", 300,
             "Chair and conference cycles: evaluations, reports, elections, term starts, windows, agendas; "
             "then the kept report cards of units whose items changed."),
    Schedule("reminder-sweep", "flows/reminders.py:reminder_sweep", 300,
             "Due reminders and escalations, council messages, daily and weekly digests."),
    Schedule("dispatch-notifications", "flows/reminders.py:dispatch_notifications", 60,
             "Send the outbox through each person's channels, with retries and dead letters."),
    Schedule("prune-uploads", "flows/cycles.py:prune_uploads", 86400,
             "Remove evidence files no report names, a week after they were uploaded."),
)

WORK_POOL = "cobuild"

HEADER = """\
# Prefect deployment file for the distributed mode (Prefect server + workers). Generated from
# flows/schedules.py (python -m cobuild.flows.schedules > deployment.yaml); a test checks they match.
#   prefect work-pool create cobuild --type process
#   export COBUILD_DB_URL=postgresql+psycopg://user@db-host/cobuild COBUILD_HOME=/srv/cobuild
#   prefect deploy --all --prefect-file deployment.yaml
#   prefect worker start --pool cobuild
# The embedded default (one machine, `cobuild serve` / `cobuild scheduler`) does not use it.
"""


def deployment_document() -> dict:
    return {
        "name": "cobuild",
        "prefect-version": "3.9.1",
        "build": None,
        "push": None,
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $COBUILD_HOME }}"}}],
        "deployments": [
            {"name": s.id, "description": s.description, "entrypoint": s.entrypoint,
             # none: the flows read COBUILD_DB_URL in the worker's environment, so that the
             # database password is never kept in the Prefect server's deployment parameters
             "parameters": {},
             "schedules": [{"interval": s.every_seconds, "timezone": "UTC"}],
             "work_pool": {"name": WORK_POOL}}
            for s in SCHEDULES
        ],
    }


def render_deployment_yaml() -> str:
    import yaml

    return HEADER + "\n" + yaml.safe_dump(deployment_document(), sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    print(render_deployment_yaml(), end="")
