"""People: the coordinator registers who may sign in through the network's identity provider;
everyone sets her own notice preferences."""

from __future__ import annotations

from fastapi import APIRouter

from exchange.api.deps import ActorDep, EndsTransaction
from exchange.api.problems import CHANGE, CREATE, LIST, READ, SIGNED_IN, responses
from exchange.http.deps import PagingDep, UowDep
from exchange.services import people
from exchange.services.people import PersonCreate, PersonView, Preferences
from exchange.services.schemas import Page

router = APIRouter(tags=["people"], responses=SIGNED_IN, route_class=EndsTransaction)


@router.get("/people", responses=LIST)
def list_people(uow: UowDep, actor: ActorDep, paging: PagingDep) -> Page[PersonView]:
    """The network's registered people (the coordinator)."""
    return people.list_people(uow, actor, paging)


@router.post("/people", status_code=201, responses={**CREATE, **responses(404, 409)})
def register(uow: UowDep, actor: ActorDep, body: PersonCreate) -> PersonView:
    """Register a person by her e-mail (and, optionally, her subject at the identity provider),
    with a role and a member municipality of the network (the coordinator)."""
    return people.register_person(uow, actor, body)


@router.post("/people/{person_id}/remove", responses=CHANGE)
def remove(uow: UowDep, actor: ActorDep, person_id: int) -> PersonView:
    """End a person's access when she leaves (the coordinator, not her own): her tokens are
    revoked and her sessions end at once, and the identity provider no longer lets her in.
    Registering her e-mail again gives her access back."""
    return people.remove_person(uow, actor, person_id)


@router.get("/me/preferences", responses=READ)
def my_preferences(uow: UowDep, actor: ActorDep) -> PersonView:
    return people.my_preferences(uow, actor)


@router.put("/me/preferences", responses=CHANGE)
def set_preferences(uow: UowDep, actor: ActorDep, body: Preferences) -> PersonView:
    """Her notices' language, and whether she gets notices at all."""
    return people.set_preferences(uow, actor, body)
