"""What the OpenAPI schema says of errors is what the service does: every error of a route is
documented, as `application/problem+json`, and a 405 names every method of the path."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from exchange.app import create_app
from exchange.settings import Settings


@pytest.fixture(scope="module")
def app():
    return create_app(Settings(database_url="sqlite://"))  # neither test touches the database


def test_every_error_a_route_documents_is_a_problem_document(app):
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            if path != "/health":
                assert {"401", "429"} <= statuses, (method, path)
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert list(response["content"]) == ["application/problem+json"]
                    assert response["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"}


def test_an_unsupported_method_names_every_method_of_the_path(app):
    with TestClient(app) as client:
        reply = client.delete("/cases/some-id")
    assert reply.status_code == 405
    assert {m.strip() for m in reply.headers["allow"].split(",")} == {"GET", "PUT"}
