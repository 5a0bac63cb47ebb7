"""schemathesis against the app's own OpenAPI document: generated requests (valid and not) to
every operation, signed in as the council's secretary. No 5xx; every refusal is a 4xx with a
message and leaves every table's row count as it was. A bounded number of examples per operation keeps it to seconds in CI."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from tests.web.conftest import at  # noqa: E402


@pytest.fixture
def api_schema(web):
    web.world.published_item()
    web.clock.moment = at("2026-03-01")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", web.app)
    schema.web = web
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error_and_every_refusal_explains_itself(case, api_schema, count_rows):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api_schema.web.tokens['secretary']}"}
    before = count_rows()
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:500])
    if response.status_code >= 400:
        assert response.json().get("message"), response.text[:300]
        assert count_rows() == before, ("a refused request wrote something", case.method, case.path)
