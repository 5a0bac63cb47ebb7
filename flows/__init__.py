"""Prefect flows: they only put tasks in order; each task wraps one use-case pass and owns its
retries. Importing this package imports Prefect — commands that run no flow never do."""

import os

# Quiet defaults for the temporary local server Prefect starts when no API URL is set: its
# shutdown logs tracebacks of cancelled background services, and it tries to send telemetry
# to a network we do not have. Its first start on a fresh PREFECT_HOME (creating its database)
# took 24 s on a 2-core machine, past Prefect's 20 s default wait: wait up to 120 s (the
# scheduler of `cobuild serve` uses this server; one-shot commands use flows.local_api).
# Users can override each of these in the environment.
for _name, _value in (("PREFECT_LOGGING_LEVEL", "WARNING"), ("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL"),
                      ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
                      ("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")):
    os.environ.setdefault(_name, _value)
