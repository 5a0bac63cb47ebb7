"""Prefect flows: they only put tasks in order; each task wraps one use-case pass and owns its
retries. Importing this package imports Prefect — commands that run no flow never do."""

import os

# Quiet defaults for the temporary local server Prefect starts when no API URL is set: its
# shutdown logs tracebacks of cancelled background services, and it tries to send telemetry
# to a network we do not have. Users can override each of these in the environment.
for _name, _value in (("PREFECT_LOGGING_LEVEL", "WARNING"), ("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL"),
                      ("PREFECT_SERVER_ANALYTICS_ENABLED", "false")):
    os.environ.setdefault(_name, _value)
