"""How a use case owns its transaction (cosmicpython's `services.allocate` commits through its unit
of work): routes, pages and commands call a use case and never commit themselves.

A use case commits when it returns. One use case called by another commits with the outermost,
so a page may compose several and each stays whole. A write that lost a race to another (a stale
version, a clash with a row stored meanwhile) and a status change the lifecycle does not allow
become refusals in the services' own words, so no caller needs to know the database's errors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from exchange.domain.lifecycle import IllegalMove
from exchange.persistence.database import UnitOfWork
from exchange.services.errors import Conflict, Stale

__all__ = ["UnitOfWork", "use_case"]

P = ParamSpec("P")
R = TypeVar("R")


def use_case(function: Callable[Concatenate[UnitOfWork, P], R]
             ) -> Callable[Concatenate[UnitOfWork, P], R]:
    """A service function that owns its transaction: committed when the outermost use case
    running in the unit of work returns; left to be rolled back when it raises."""

    @functools.wraps(function)
    def run(uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> R:
        uow.depth += 1
        try:
            result = function(uow, *args, **kwargs)
            if uow.depth == 1:
                uow.commit()
            return result
        except StaleDataError:
            uow.session.rollback()
            raise Stale("Another change was saved first; read it again and redo your "
                        "change.") from None
        except IntegrityError:
            uow.session.rollback()
            raise Conflict("This clashes with something stored meanwhile; read it again and "
                           "retry.") from None
        except IllegalMove as refused:
            raise Conflict(str(refused)) from None
        finally:
            uow.depth -= 1

    return run
