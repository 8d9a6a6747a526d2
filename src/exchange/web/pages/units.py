"""The housing officer's pages: her pledged units (searched, filtered, sorted), a unit's page,
pledging a unit and changing it, placed by its address or on the map."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from exchange.domain.lifecycle import Role, UnitStatus
from exchange.domain.model import Contract
from exchange.geography import municipality_names
from exchange.http.deps import GeocoderDep, SearchDep, SettingsDep, UowDep
from exchange.services import units
from exchange.services.access import Actor, require
from exchange.services.errors import FieldProblem, Invalid
from exchange.services.geocoding import Geocoder, GeocoderUnavailable
from exchange.services.records import Paging
from exchange.services.schemas import UnitCreate, UnitUpdate
from exchange.services.unit_of_work import UnitOfWork
from exchange.web import forms, places
from exchange.web.render import PageRoute, page, redirect, translator
from exchange.web.session import FormDep, OffsetDep, PageActorDep

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
PAGE = 25


def _housing_officer(uow: UnitOfWork, actor: Actor) -> None:
    require(uow, actor, "open_page", "unit", Role.HOUSING_OFFICER)


@router.get("/units")
def units_page(request: Request, uow: UowDep, actor: PageActorDep, search: SearchDep,
               offset: OffsetDep = 0, status: str = "") -> Response:
    """Her municipality's units: searched, filtered, sorted (newest first unless she asks) and
    in pages."""
    _housing_officer(uow, actor)
    newest = search if search.sort else replace(search, sort="posted", descending=True)
    listed = units.list_units(uow, actor, Paging(PAGE, offset),
                              forms.choice(UnitStatus, status), newest)
    return page(request, "units.html", units=listed.items, total=listed.total, offset=offset,
                size=PAGE, statuses=[s.value for s in UnitStatus], sorts=list(units.SORTS))


@router.get("/units/new")
def new_unit(request: Request, uow: UowDep, actor: PageActorDep,
             settings: SettingsDep) -> Response:
    _housing_officer(uow, actor)
    return _form(request, actor, settings, {"contract": Contract.FIRST_HAND.value})


@router.post("/units")
def pledge(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep,
           settings: SettingsDep, geocoder: GeocoderDep) -> Response:
    """Pledge a unit (a draft stays out of rounds until published), or first find its address
    on the map (nothing is saved then)."""
    _housing_officer(uow, actor)
    data, found = _placed(request, form, actor, geocoder)
    if found is not None:
        return _form(request, actor, settings, data, found, draft=_draft(form))
    try:
        body = forms.validate(UnitCreate, data, translator(request))
        pledged = units.pledge_unit(uow, actor, body, publish=not _draft(form))
    except Invalid as error:
        return _form(request, actor, settings, data, error, draft=_draft(form))
    return redirect(f"/app/units/{pledged.id}?done=pledged")


@router.get("/units/{unit_id}")
def unit_page(request: Request, uow: UowDep, actor: PageActorDep, unit_id: str,
              settings: SettingsDep) -> Response:
    """The unit: where it is, what it offers, and what can be done with it now."""
    _housing_officer(uow, actor)
    return page(request, "unit.html", unit=units.get_unit(uow, actor, unit_id),
                map_tiles=settings.map_tiles, map_attribution=settings.map_attribution)


@router.get("/units/{unit_id}/edit")
def edit_unit(request: Request, uow: UowDep, actor: PageActorDep, unit_id: str,
              settings: SettingsDep) -> Response:
    _housing_officer(uow, actor)
    unit = units.get_unit(uow, actor, unit_id)
    return _form(request, actor, settings, unit.model_dump(mode="json"), unit_id=unit_id)


@router.post("/units/{unit_id}")
def update(request: Request, uow: UowDep, actor: PageActorDep, form: FormDep, unit_id: str,
           settings: SettingsDep, geocoder: GeocoderDep) -> Response:
    """Change a draft or available unit; `version` must be the one the form was read at."""
    _housing_officer(uow, actor)
    units.get_unit(uow, actor, unit_id)  # out of reach: 404 before the form is read
    data, found = _placed(request, form, actor, geocoder)
    if found is not None:
        return _form(request, actor, settings, data, found, unit_id)
    try:
        body = forms.validate(UnitUpdate, data, translator(request))
        units.update_unit(uow, actor, unit_id, body)
    except Invalid as error:
        return _form(request, actor, settings, data, error, unit_id)
    return redirect(f"/app/units/{unit_id}?done=saved")


@router.post("/units/{unit_id}/publish")
def publish(uow: UowDep, actor: PageActorDep, form: FormDep, unit_id: str) -> Response:
    units.publish_unit(uow, actor, unit_id, forms.version_of(form))
    return redirect(f"/app/units/{unit_id}?done=published")


@router.post("/units/{unit_id}/withdraw")
def withdraw(uow: UowDep, actor: PageActorDep, form: FormDep, unit_id: str) -> Response:
    units.withdraw_unit(uow, actor, unit_id, forms.version_of(form))
    return redirect(f"/app/units/{unit_id}?done=withdrawn")


def _draft(form: FormData) -> bool:
    return form.get("_draft") == "true"


def _placed(request: Request, form: FormData, actor: Actor,
            geocoder: Geocoder) -> tuple[dict[str, Any], Invalid | str | None]:
    """The form's data with the unit's position: from the map's pin, or a place picked from
    the list. With "find the address" asked for, the address searched (the answer, or why not,
    comes back to the form; nothing is saved)."""
    t = translator(request)
    data = forms.numbers(forms.nested(form), UnitCreate)
    if form.get("_find"):
        return data, _find(data, actor, geocoder, t)
    if picked := str(form.get("_place", "")).strip():
        position = places.places().get(picked)
        if position is None:
            return data, Invalid([FieldProblem("_place", t("form.place"))])
        data["lat"], data["lon"] = position
    if data.get("lat") in (None, "") and data.get("lon") in (None, ""):
        return data, Invalid([FieldProblem("lat", t("unit.no_position"))])
    return data, None


def _find(data: dict[str, Any], actor: Actor, geocoder: Geocoder, t: Any) -> Invalid | str:
    """Look the address up; the position found goes into the form, to be checked on the map."""
    given = data.get("address")
    address: dict[str, Any] = given if isinstance(given, dict) else {}
    words = " ".join(str(address.get(k) or "") for k in ("street", "postcode")).strip()
    if not words:
        return Invalid([FieldProblem("address.street", t("unit.find_what"))])
    try:
        found = geocoder.find(f"{words}, {municipality_names()[actor.municipality]}")
    except GeocoderUnavailable:
        return Invalid([FieldProblem("address.street", t("unit.geocoder_down"))])
    if not found:
        return Invalid([FieldProblem("address.street", t("unit.not_found"))])
    data["lat"], data["lon"] = round(found[0].lat, 6), round(found[0].lon, 6)
    return found[0].name


def _form(request: Request, actor: Actor, settings: Any, data: dict[str, Any],
          outcome: Invalid | str | None = None, unit_id: str | None = None,
          draft: bool = False) -> Response:
    """The unit form with what was typed, each problem beside its field, and the map."""
    error = outcome if isinstance(outcome, Invalid) else None
    errors = forms.problems(error, translator(request)) if error else {}
    return page(request, "unit_form.html", 422 if error else 200, data=data, errors=errors,
                unit_id=unit_id, found=outcome if isinstance(outcome, str) else None,
                contracts=list(Contract), draft=draft,
                places=places.places_in(actor.municipality), map_tiles=settings.map_tiles,
                map_attribution=settings.map_attribution,
                centre=places.centre_of(actor.municipality),
                elsewhere="lat" in errors and error is not None and any(
                    p.code == "place_elsewhere" for p in error.problems))
