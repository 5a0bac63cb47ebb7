"""Test-wide settings. Prefect gets a throw-away home before anything can import it."""

import os
import tempfile

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="cobuild-prefect-home-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ["COBUILD_LANG"] = "zh"
