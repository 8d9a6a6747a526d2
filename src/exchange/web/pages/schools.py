"""The housing officer keeps her municipality's free school places up to date: the engine
places a child only where a school in reach has a free place at the child's stage."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from exchange.domain.lifecycle import Role
from exchange.domain.model import Stage
from exchange.http.deps import UowDep
from exchange.services import network
from exchange.services.access import Actor, require
from exchange.services.errors import Invalid
from exchange.services.records import Paging
from exchange.services.schemas import SchoolUpdate
from exchange.services.unit_of_work import UnitOfWork
from exchange.web import forms
from exchange.web.render import PageRoute, page, redirect, translator
from exchange.web.session import FormDep, PageActorDep

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
STAGES = [stage.value for stage in Stage]


@router.get("/schools")
def schools_page(request: Request, uow: UowDep, actor: PageActorDep) -> Response:
    return _schools(request, uow, actor)


@router.post("/schools/{school_id}")
def update(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep,
           school_id: str) -> Response:
    """Replace one school's free places per stage (an empty field: no free place)."""
    data = forms.nested(form)
    try:
        body = forms.validate(SchoolUpdate, {"free_places": data.get("free_places", {}),
                                             "version": forms.version_of(form)},
                              translator(request))
        network.update_school(uow, actor, school_id, body)
    except Invalid as error:
        return _schools(request, uow, actor, school_id, error, data)
    return redirect(f"/app/schools?done=school_places#{school_id}")


def _schools(request: Request, uow: UnitOfWork, actor: Actor, failed: str = "",
             error: Invalid | None = None, data: dict[str, object] | None = None) -> Response:
    """Her municipality's schools, each with a form of its free places per stage."""
    require(uow, actor, "open_page", "school", Role.HOUSING_OFFICER)
    listed = network.list_schools(uow, actor, Paging(500, 0), actor.municipality)
    errors = forms.problems(error, translator(request)) if error else {}
    return page(request, "schools.html", 422 if error else 200, schools=listed.items,
                stages=STAGES, failed=failed, errors=errors, data=data or {})
