"""A service or command started on a database whose schema is older than its code refuses to
start, saying what to do, instead of answering 500 to every request that meets a new column."""

from __future__ import annotations

import pytest

from exchange.services.database import NotReady, open_database
from exchange.settings import Settings
from tests.integration.conftest import migrate


def test_a_schema_behind_the_code_is_refused_with_the_way_forward(empty_database_url):
    migrate(empty_database_url, "0009")
    settings = Settings(database_url=empty_database_url)
    with pytest.raises(NotReady, match=r"revision 0009.*needs 00\d\d.*exchange db upgrade"):
        open_database(settings, keys=False)
    open_database(settings, migrate=True, keys=False).dispose()  # upgraded, it opens
    open_database(settings, keys=False).dispose()
