"""Every operation, fuzzed one at a time as a case worker, a housing officer and a coordinator:
every check of Schemathesis passes (no 500, every status, header and body as documented, invalid
input refused, valid input not refused, no operation served without a token)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fuzz.conftest import FUZZ, HOME, SignedIn, api_schema, as_documented


class AsRole(SignedIn):
    """One role of the home municipality, for every operation."""


schema = api_schema(AsRole)


@pytest.fixture(scope="module", params=["case_worker", "housing_officer", "coordinator"])
def signed_in(request: pytest.FixtureRequest, service: Any) -> str:
    token = service.tokens[(HOME, request.param)]
    AsRole.token = staticmethod(lambda method, path: token)
    return request.param


@pytest.mark.usefixtures("signed_in")
@schema.parametrize()
@FUZZ
def test_operation(case: Any) -> None:
    as_documented(case)
    case.call_and_validate(headers=AsRole.headers(case))
