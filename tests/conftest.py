"""Test-wide settings. Prefect gets a throw-away home before anything can import it."""

import os
import tempfile

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="cobuild-prefect-home-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ["COBUILD_LANG"] = "zh"
# the tests' webhook and robot receivers listen on loopback (one test turns this off again)
os.environ.setdefault("COBUILD_ALLOW_PRIVATE_WEBHOOKS", "true")


import sys  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_kept_sweep_worker():
    """A sweep's worker kept after a big tick (cobuild/sweep/executor.py) belongs to the test
    that started it: the next test's sweep starts its own, or works alone, as that test says."""
    yield
    render_worker = sys.modules.get("cobuild.sweep.executor")
    if render_worker is not None:
        render_worker.close_kept()
