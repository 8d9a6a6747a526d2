"""What goes in and what comes out of the services, derived from the round file's models.

A case or unit is posted with exactly the fields of the round file's `Case` or `Unit`, less what the
service sets itself (the id and the municipality), plus a few service-only fields. What comes out
depends on who asks: each role has its own view, and a field absent from a view never leaves.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from exchange.domain.lifecycle import CaseStatus, ProposalStatus, RoundStatus, UnitStatus
from exchange.domain.model import Case, Contract, Count, Requirements, Stage, Unit, Urgency


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


#: A moment as stored (UTC, without an offset), given with its offset as RFC 3339 requires.
Moment = Annotated[dt.datetime, AfterValidator(_utc)]


class _View(BaseModel):
    model_config = ConfigDict(extra="ignore", from_attributes=True)


def _fields_of(model: type[BaseModel], drop: set[str], base: type[BaseModel]) -> Any:
    """A base class with the fields of `model` less `drop`, on `base`: each entity's fields are
    defined once (in `exchange.domain.model`), and what goes in or out adds to them."""
    fields: dict[str, Any] = {key: (info.annotation, info)
                              for key, info in model.model_fields.items() if key not in drop}
    return create_model(f"{model.__name__}Fields", __base__=base, **fields)


class CaseCreate(_fields_of(Case, {"id", "municipality", "declined_units"}, _Input)):  # type: ignore[misc]
    """A case as a case worker posts it: the round file's case, less id, municipality and
    declines."""

    move_in_from: dt.date | None = Field(default=None, description="Earliest move-in date.")


class UnitCreate(_fields_of(Unit, {"id", "municipality"}, _Input)):  # type: ignore[misc]
    """A unit as a housing officer pledges it: the round file's unit, less id and
    municipality."""

    district: str | None = Field(default=None, max_length=100,
                                 description="District or area, shown to case workers.")
    pledged_until: dt.date | None = Field(default=None, description="Last day of the pledge.")


class Versioned(_Input):
    """The version the change is based on; a stale version is refused."""

    version: int = Field(ge=1)


class CaseUpdate(_fields_of(CaseCreate, set(), Versioned)):  # type: ignore[misc]
    """A case's new details, based on the version read."""


class UnitUpdate(_fields_of(UnitCreate, set(), Versioned)):  # type: ignore[misc]
    """A unit's new details, based on the version read."""


class SchoolUpdate(Versioned):
    free_places: dict[Stage, Count] = Field(description="Free places per stage, replacing all.")


class DeclineReason(StrEnum):
    """Why a household declined; a fixed word, never free text, and never held against it."""

    SAFETY_CONCERN = "safety_concern"
    UNIT_DOES_NOT_SUIT = "unit_does_not_suit"
    LOCATION = "location"
    SCHOOL = "school"
    HOUSEHOLD_CHANGED = "household_changed"
    OTHER = "other"


class Decline(Versioned):
    reason: DeclineReason


class RoundOpen(_Input):
    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="Month, as YYYY-MM.")


# --- views: one per role that may see the object -------------------------------------------------

class CaseView(_fields_of(CaseCreate, set(), _View)):  # type: ignore[misc]
    """A case as its own case worker sees it: everything."""

    id: str
    municipality: str
    status: CaseStatus
    version: int
    created_at: Moment
    updated_at: Moment


class CaseSummary(_View):
    """A case as the coordinator sees it: anonymised, no location, safety, school or income."""

    id: str
    municipality: str
    status: CaseStatus
    urgency: Urgency
    waiting_since: dt.date
    adults: int
    children_stages: list[Stage | None]
    rooms_min: int
    rooms_max: int
    step_free: bool


class UnitView(_fields_of(UnitCreate, set(), _View)):  # type: ignore[misc]
    """A unit as its own housing officer sees it."""

    id: str
    municipality: str
    status: UnitStatus
    version: int


class UnitSummary(_View):
    """A unit as the coordinator sees it: no position, no district."""

    id: str
    municipality: str
    status: UnitStatus
    rooms: int
    rent_sek: int
    step_free: bool
    contract: Contract
    available_from: dt.date | None
    pledged_until: dt.date | None


class SchoolView(_View):
    id: str
    municipality: str
    name: str
    lat: float
    lon: float
    free_places: dict[Stage, int]
    version: int


class SchoolPlaceView(_View):
    child: int
    school: str | None
    school_name: str | None
    stage: Stage | None


class Offer(_View):
    """The unit of a proposal, as the household's case worker sees it."""

    id: str
    municipality: str
    municipality_name: str
    district: str | None
    lat: float
    lon: float
    rooms: int
    area_m2: float | None
    rent_sek: int
    step_free: bool
    contract: Contract
    available_from: dt.date | None
    requirements: Requirements


class HouseholdProfile(_View):
    """What a receiving housing officer may know of a household, under a pseudonym."""

    reference: str
    adults: int
    children_stages: list[Stage | None]
    step_free: bool
    move_in_from: dt.date | None


class ProposalForCaseWorker(_View):
    id: str
    round: str
    status: ProposalStatus
    version: int
    answer_by: dt.date | None = Field(
        default=None, description="The last working day to answer (set when published).")
    overdue: bool = Field(default=False, description="Still unanswered after answer_by.")
    case: str
    unit: Offer
    schools: list[SchoolPlaceView]
    nearest_danger_km: float | None = Field(
        description="Distance from the unit to the nearest danger zone's edge, km.")
    decline_reason: DeclineReason | None


class ProposalForHousingOfficer(_View):
    id: str
    round: str
    status: ProposalStatus
    version: int
    answer_by: dt.date | None = Field(
        default=None, description="The last working day to answer (set when published).")
    overdue: bool = Field(default=False, description="Still unanswered after answer_by.")
    unit: str
    household: HouseholdProfile


class ProposalForCoordinator(_View):
    id: str
    round: str
    status: ProposalStatus
    version: int
    answer_by: dt.date | None = Field(
        default=None, description="The last working day to answer (set when published).")
    overdue: bool = Field(default=False, description="Still unanswered after answer_by.")
    case: str
    unit: str
    sending: str
    receiving: str
    published: bool
    decline_reason: DeclineReason | None


class RoundView(_View):
    id: str
    network: str
    period: str
    status: RoundStatus
    progress: str
    stalled: bool = Field(description="True when a solve has shown no sign of life for long.")
    version: int
    solves: int
    placed: dict[str, int] | None
    unplaced: dict[str, int] | None
    proposals: dict[str, int]


class LedgerEntryView(_View):
    id: int
    kind: str
    receiving: str
    sending: str | None
    amount: int
    round: str | None
    recorded_at: Moment


class Balance(_View):
    municipality: str
    name: str
    balance: int
    floor: int = Field(description="The lowest balance the network's tolerance allows; a member "
                       "already below it may not go lower.")


class MunicipalityView(_View):
    code: str
    name: str
    lat: float
    lon: float


class AuditView(_View):
    id: int
    at: Moment
    user_id: int | None
    role: str | None
    municipality: str | None
    action: str
    object_type: str
    object_id: str | None
    outcome: str
    seq: int = Field(description="The entry's number in its network's hash chain.")
    previous_hash: str = Field(description="The hash of entry seq - 1 (64 zeros for the first).")
    hash: str = Field(description="SHA-256 of the entry's canonical encoding and previous_hash.")


class Me(_View):
    id: int
    name: str
    role: str
    municipality: str
    network: str


T = TypeVar("T")


class Page(BaseModel, Generic[T]):  # noqa: UP046 - Python 3.11 has no type parameter syntax
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int


class MemberOverview(_View):
    """A member at a glance, for the coordinator: counts and the ledger, nothing personal."""

    code: str
    name: str
    lat: float
    lon: float
    units_available: int
    cases_active: dict[str, int] = Field(description="Open, proposed or accepted cases by "
                                         "urgency.")
    balance: int
    floor: int


class Flow(_View):
    """Households a round moves from one member to another."""

    sending: str
    receiving: str
    count: int


class Ledger(_View):
    """Each member's balance, and a page of the entries behind it."""

    balances: list[Balance]
    entries: Page[LedgerEntryView]


CaseOut = CaseView | CaseSummary
UnitOut = UnitView | UnitSummary
ProposalOut = ProposalForCaseWorker | ProposalForHousingOfficer | ProposalForCoordinator
