"""The household's consent (samtycke): the legal ground on which a case's details may go to the
network's other members, and to a landlord for its checks.

Under Swedish secrecy rules social services may pass a household's details on only with its
consent (or another legal ground), so a case enters a round only while a consent covering the
network's members is valid on the round's date. A consent is valid from the day it was given to
the day it ends (inclusive; none: until withdrawn), unless it was withdrawn.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class ConsentScope(StrEnum):
    """Whom the household let its details go to."""

    NETWORK = "network"  # the network's other members: needed to enter a round
    LANDLORDS = "landlords"  # a landlord's checks of income and payment remarks


def consent_problems(given: dt.date, until: dt.date | None, today: dt.date
                     ) -> dict[str, str]:
    """What is wrong with a consent about to be recorded, by field: given in the future, an
    end before its start, or an end already past."""
    problems = {}
    if given > today:
        problems["given"] = "cannot lie in the future: record a consent once it is given"
    if until is not None and until < given:
        problems["until"] = "must not lie before the day the consent was given"
    elif until is not None and until < today:
        problems["until"] = "has already passed: a consent that has ended cannot be recorded"
    return problems


def consent_valid(given: dt.date | None, until: dt.date | None, ended: bool, day: dt.date
                  ) -> bool:
    """Whether a consent given on `given` (None: none recorded) holds on `day`."""
    return (given is not None and not ended and given <= day
            and (until is None or day <= until))
