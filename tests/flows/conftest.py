"""Real Prefect flow runs. One temporary Prefect server for the whole session (it takes
seconds to start), and only this folder pays for it."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def prefect_server():
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    import cobuild.flows  # noqa: F401  (quiet defaults before Prefect is imported)

    # as against cobuild's local server (flows.local_api): no heartbeat thread to wait for at the
    # end of every flow run
    with prefect_test_harness(server_startup_timeout=120), \
            temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
