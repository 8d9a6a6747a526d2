"""The coordinator registers who may sign in through the network's identity provider; each
person chooses the language of her notices, and whether she gets them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from exchange.domain.lifecycle import Role
from exchange.http.deps import UowDep
from exchange.services import people
from exchange.services.access import Actor
from exchange.services.errors import Conflict, Invalid
from exchange.services.network import list_members
from exchange.services.people import PersonCreate, Preferences
from exchange.services.records import Paging
from exchange.services.unit_of_work import UnitOfWork
from exchange.web import forms
from exchange.web.render import PageRoute, page, redirect, translator
from exchange.web.session import FormDep, OffsetDep, PageActorDep

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
ROLES = [role.value for role in Role]


@router.get("/people")
def people_page(request: Request, uow: UowDep, actor: PageActorDep,
                offset: OffsetDep = 0) -> Response:
    return _people(request, uow, actor, offset)


@router.post("/people")
def register(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep) -> Response:
    data = forms.nested(form)
    try:
        people.register_person(uow, actor, forms.validate(PersonCreate, data,
                                                          translator(request)))
    except (Invalid, Conflict) as error:
        return _people(request, uow, actor, 0, error, data)
    return redirect("/app/people?done=registered")


@router.get("/people/{person_id}/remove")
def remove_question(request: Request, uow: UowDep, actor: PageActorDep,
                    person_id: int) -> Response:
    """Removing a person asks first: she is signed out at once."""
    return page(request, "person_remove.html", person=people.get_person(uow, actor, person_id))


@router.post("/people/{person_id}/remove")
def remove(uow: UowDep, actor: PageActorDep, person_id: int, form: FormDep) -> Response:
    people.remove_person(uow, actor, person_id)
    return redirect("/app/people?done=removed")


def _people(request: Request, uow: UnitOfWork, actor: Actor, offset: int,
            error: Invalid | Conflict | None = None, data: dict[str, str] | None = None
            ) -> Response:
    """The network's people and the form to register one (the coordinator)."""
    listed = people.list_people(uow, actor, Paging(100, offset))
    errors = forms.problems(error, translator(request)) if isinstance(error, Invalid) else {}
    return page(request, "people.html", 422 if error else 200, people=listed.items,
                total=listed.total, offset=offset, roles=ROLES, data=data or {},
                errors=errors, members=list_members(uow, actor),
                clash=isinstance(error, Conflict))


@router.get("/preferences")
def preferences_page(request: Request, uow: UowDep, actor: PageActorDep) -> Response:
    return page(request, "preferences.html", me=people.my_preferences(uow, actor))


@router.post("/preferences")
def set_preferences(request: Request, uow: UowDep, actor: PageActorDep,
                    form: FormDep) -> Response:
    body = forms.validate(Preferences, {"language": form.get("language", ""),
                                        "notices": form.get("notices") == "true"},
                          translator(request))
    people.set_preferences(uow, actor, body)
    return redirect("/app/preferences?done=preferences")
