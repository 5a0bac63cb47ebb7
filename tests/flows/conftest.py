"""Real Prefect flow runs. One temporary Prefect server for the whole session (it takes
seconds to start), and only this folder pays for it."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def prefect_server():
    import flows  # noqa: F401  (quiet defaults before Prefect is imported)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
