"""Request bodies are read as JSON, strictly: what the OpenAPI schema allows passes, and nothing
else does, with each problem at its field and without the value sent."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from exchange.api import problems
from exchange.api.bodies import JsonBodyRoute


class Child(BaseModel):
    model_config = ConfigDict(strict=True)  # like the domain's models
    age: int = Field(ge=0, le=17)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")  # lax, like the API's input models
    rooms: int
    step_free: bool = False
    since: dt.date | None = None
    children: list[Child] = []


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    problems.install(app)
    router = APIRouter(route_class=JsonBodyRoute)

    @router.post("/echo")
    def echo(body: Body) -> Body:
        return body

    app.include_router(router)
    return TestClient(app)


def test_a_whole_number_written_with_a_fraction_is_that_number_even_in_strict_models(client):
    reply = client.post("/echo", json={"rooms": 3.0, "children": [{"age": 8.0}]})
    assert reply.status_code == 200
    assert reply.json()["rooms"] == 3 and reply.json()["children"] == [{"age": 8}]


def test_a_date_is_read_from_its_iso_text(client):
    assert client.post("/echo", json={"rooms": 1, "since": "2026-10-01"}).json()["since"] == \
        "2026-10-01"


@pytest.mark.parametrize(("field", "value"), [
    ("rooms", "3"), ("rooms", 2.5), ("step_free", "true"), ("step_free", 1), ("since", 0),
    ("since", "yesterday")])
def test_what_lax_python_would_coerce_is_refused_at_its_field(client, field, value):
    reply = client.post("/echo", json={"rooms": 1, field: value})
    assert reply.status_code == 422
    assert reply.headers["content-type"] == problems.MEDIA_TYPE
    assert [e["path"] for e in reply.json()["errors"]] == [field]


def test_a_refusal_never_repeats_the_value_sent(client):
    reply = client.post("/echo", json={"rooms": 1, "since": "Storgatan 12, Huddinge"})
    assert reply.status_code == 422 and "Storgatan" not in reply.text


def test_a_body_that_is_not_json_gets_fastapis_own_refusals(client):
    broken = client.post("/echo", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    unreadable = client.post("/echo", content=b'{"rooms": "\xff"}',
                             headers={"Content-Type": "application/json"})
    assert unreadable.status_code == 400 and unreadable.json()["title"] == "Bad request"
