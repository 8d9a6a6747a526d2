"""How the pages say things: the solver's progress in Swedish, balances, room ranges, ids."""

from __future__ import annotations

from exchange.services.records import pseudonym
from exchange.services.schemas import Flow
from exchange.web.i18n import Translator
from exchange.web.pictures import flow_matrix
from exchange.web.progress import progress_text
from exchange.web.render import rooms, signed

SV = Translator("sv")


def test_the_engines_progress_is_said_in_swedish_whatever_it_reports():
    assert progress_text("queued", SV) == "väntar på sin tur"
    assert progress_text("1234 eligible pairs of 300 cases and 280 units", SV) == \
        "1\u00a0234 möjliga par av 300 ärenden och 280 bostäder"
    assert progress_text("acute: 54 placed (proven)", SV) == "Akut: 54 placerade, bästa möjliga"
    assert progress_text("high: 90 placed (not proven; at most 91)", SV) == \
        "Hög: 90 placerade hittills"
    assert progress_text("a line the engine adds one day", SV) == "arbetar"
    assert progress_text("failed (MemoryError); solve again, or report it", SV).startswith(
        "misslyckades")
    assert "8\u00a0192 MB" in progress_text(
        "failed: the solve needed more than its 8192 MB of memory; raise it", SV)
    assert progress_text("cancelled by the coordinator; solve again when you wish", SV) == \
        "du avbröt den. Matcha igen när du vill."
    assert progress_text("stopped: the service stopped during the solve", SV).startswith(
        "tjänsten startades om")


def test_a_zero_balance_has_no_sign_and_a_range_of_one_is_one_number():
    assert (signed(2), signed(0), signed(-3)) == ("+2", "0", "\u22123")
    assert (rooms(3, 3), rooms(2, 3)) == ("3", "2–3")


def test_ids_read_as_two_short_groups():
    assert pseudonym("case-7KQ3M9X2AB") == "7KQ3M-9X2AB"
    assert pseudonym("prop-6eb248737ace5142") == "6EB24-8737A"


def test_the_flow_matrix_keeps_only_members_with_a_move_and_sums_them():
    matrix = flow_matrix([Flow(sending="0127", receiving="0126", count=2),
                          Flow(sending="0127", receiving="0138", count=1),
                          Flow(sending="0138", receiving="0126", count=4),
                          Flow(sending="0181", receiving="0181", count=3)])  # within: no move
    assert (matrix.sending, matrix.receiving) == (["0127", "0138"], ["0126", "0138"])
    assert matrix.sent == {"0127": 3, "0138": 4} and matrix.received == {"0126": 6, "0138": 1}
