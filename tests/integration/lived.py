"""A network that has lived a round: solved, published, answered, confirmed and closed, with a
case of known, distinctive sensitive values, to look for in what is stored."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, Table, select

from exchange.persistence.rows import Base

COORDINATOR = ("0126", "coordinator")

#: Words and numbers that only the sensitive fields of MARKED hold.
MARKERS = ('"danger_zones"', '"keep_school"', '"monthly_income_sek"',
           '"excluded_municipalities"', '"income_support"', '"preferences"', "59.191919",
           "17.828282", "76543")

MARKED: dict[str, Any] = {
    "urgency": "acute", "waiting_since": "2026-09-01", "rooms_min": 1, "rooms_max": 4,
    "max_rent_sek": 15000, "monthly_income_sek": 76543, "income_support": True,
    "household": {"adults": 1, "children": [
        {"age": 8, "keep_school": {"name": "Ekskolan (Huddinge)", "lat": 59.262626,
                                   "lon": 17.939393, "max_km": 40}}]},
    "safety": {"excluded_municipalities": ["0180"],
               "danger_zones": [{"name": "Alby (Botkyrka)", "lat": 59.191919, "lon": 17.828282,
                                 "radius_km": 3.5}]},
    "preferences": {"municipalities": ["0138"]},
}


def marked_in(text: str, marks: Iterable[str] = MARKERS) -> list[str]:
    """The marks that `text` holds as values of their own: not inside a longer number, a hex hash,
    a UUID or ciphertext, where five digits such as 76543 turn up by chance."""
    return [mark for mark in marks if re.search(_alone(mark), text)]


def _alone(mark: str) -> str:
    glued = "0-9A-Za-z.," if mark[0].isdigit() else "0-9A-Za-z"  # nor decimals: 0,76543
    before = rf"(?<![{glued}])" if mark[0].isalnum() else ""
    after = r"(?![0-9A-Za-z])" if mark[-1].isalnum() else ""
    return before + re.escape(mark) + after


def post_marked_case(service: Any, municipality: str = "0127") -> str:
    """Post MARKED as a case of `municipality`, with the household's consent; its id."""
    worker = service.as_(municipality, "case_worker")
    posted = worker.post("/cases", json=MARKED)
    assert posted.status_code == 201, posted.json()
    given = worker.post(f"/cases/{posted.json()['id']}/consent", json={
        "version": posted.json()["version"], "given": "2026-11-02", "scope": ["network"]})
    assert given.status_code == 200, given.json()
    return posted.json()["id"]


def live_a_round(service: Any) -> dict[str, str]:
    """Open, solve, publish, accept and confirm one proposal, decline another, withdraw an open
    case and close the round; the ids involved."""
    coordinator = service.as_(*COORDINATOR)
    round_id = coordinator.post("/rounds", json={"period": "2026-12"}).json()["id"]
    assert coordinator.post(f"/rounds/{round_id}/solve").status_code == 202
    solved = service.solved(coordinator, round_id)
    coordinator.post(f"/rounds/{round_id}/publish", json={"version": solved["version"]})
    made = coordinator.get("/proposals", params={"round": round_id, "limit": 200}).json()["items"]
    housed, declined = made[0], made[1]
    _answer(service, housed, "accept")
    _answer(service, declined, "decline", reason="location")
    officer = service.as_(housed["receiving"], "housing_officer")
    seen = officer.get(f"/proposals/{housed['id']}").json()
    assert officer.post(f"/proposals/{housed['id']}/confirm",
                        json={"version": seen["version"]}).status_code == 200
    withdrawn = _withdraw_an_open_case(service, declined["sending"])
    current = coordinator.get(f"/rounds/{round_id}").json()
    assert coordinator.post(f"/rounds/{round_id}/close",
                            json={"version": current["version"]}).status_code == 200
    return {"round": round_id, "housed": housed["case"], "withdrawn": withdrawn,
            "housed_proposal": housed["id"], "housed_by": housed["sending"]}


def rows_of(engine: Engine, table: Table) -> list[dict[str, Any]]:
    """Every row of a table, in key order."""
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(
            select(table).order_by(*table.primary_key.columns))]


def every_cell(engine: Engine) -> str:
    """Every stored value of every table, as one text to search."""
    return "\n".join(json.dumps(value, default=str) if isinstance(value, dict | list)
                     else str(value) for table in Base.metadata.sorted_tables
                     for row in rows_of(engine, table) for value in row.values())


def _answer(service: Any, proposal: dict[str, Any], action: str, **body: Any) -> None:
    worker = service.as_(proposal["sending"], "case_worker")
    mine = worker.get(f"/proposals/{proposal['id']}").json()
    answered = worker.post(f"/proposals/{proposal['id']}/{action}",
                           json={"version": mine["version"], **body})
    assert answered.status_code == 200, answered.json()


def _withdraw_an_open_case(service: Any, municipality: str) -> str:
    worker = service.as_(municipality, "case_worker")
    case = worker.get("/cases", params={"status": "open", "limit": 1}).json()["items"][0]
    withdrawn = worker.post(f"/cases/{case['id']}/withdraw", json={"version": case["version"]})
    assert withdrawn.status_code == 200, withdrawn.json()
    return case["id"]
