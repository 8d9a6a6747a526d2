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

from exchange.domain.consent import ConsentScope
from exchange.domain.lifecycle import CaseStatus, ProposalStatus, RoundStatus, UnitStatus
from exchange.domain.model import (
    Case,
    Contract,
    Count,
    DangerZone,
    Requirements,
    Stage,
    Unit,
    Urgency,
)
from exchange.domain.move import FallThrough, Side, TaskStatus, TaskTemplate


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
    reference: str | None = Field(
        default=None, min_length=1, max_length=60,
        description="The municipality's own reference to the case (its case-file number), to "
        "find it in its own case system; sealed, and shown only to the case's own case "
        "workers. Never the household's name.")
    protected: bool = Field(
        default=False, description="The household has protected personal data (skyddade "
        "personuppgifter): the receiving side learns its move-in date only with the contract, "
        "the move checklist gains the protected address, and every read of the case is "
        "flagged in the audit trail.")


class UnitAddress(_Input):
    """Where a unit is, as people find it: its housing officer, and the case worker of a
    household proposed for it (to arrange a viewing). Never anyone else."""

    street: str = Field(min_length=1, max_length=120, description="Street and number.")
    postcode: str = Field(pattern=r"^[0-9]{3} ?[0-9]{2}$", description="Postcode, as 123 45.")
    floor: int | None = Field(default=None, ge=-5, le=150, description="Floor (0: ground).")
    landlord: str | None = Field(default=None, max_length=120, description="The landlord.")
    object_number: str | None = Field(default=None, max_length=40,
                                      description="The landlord's object number.")


class UnitCreate(_fields_of(Unit, {"id", "municipality"}, _Input)):  # type: ignore[misc]
    """A unit as a housing officer pledges it: the round file's unit, less id and
    municipality."""

    address: UnitAddress | None = Field(default=None, description="Where the unit is.")
    place_confirmed: bool = Field(
        default=False, description="Save a position that lies nearer another municipality's "
        "places than its own, once checked (otherwise refused as probably wrong).")
    district: str | None = Field(default=None, max_length=100,
                                 description="District or area, shown to case workers.")
    pledged_until: dt.date | None = Field(
        default=None, description="Last day of the pledge: not past, not before available_from.")


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
    comment: str | None = Field(
        default=None, min_length=1, max_length=200,
        description="A few words when the reason is `other` (needed then); sealed, and shown "
        "only to the household's own case workers. Nothing that points to the household.")


class ConsentRecord(Versioned):
    """The household's consent (samtycke), as its case worker records it: the case's
    `version` it is based on."""

    given: dt.date = Field(description="The day the household gave its consent; not future.")
    until: dt.date | None = Field(
        default=None, description="The last day it holds (none: until withdrawn); not before "
        "`given`, not past.")
    scope: list[ConsentScope] = Field(
        min_length=1, max_length=2, description="Whom the details may go to: `network` (the "
        "network's other members; needed to enter a round) and `landlords` (a landlord's "
        "checks).")


class RoundOpen(_Input):
    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="Month, as YYYY-MM.")


# --- views: one per role that may see the object -------------------------------------------------

class ConsentView(_View):
    """The household's consent, as its own case workers see it (nobody else does)."""

    given: dt.date
    until: dt.date | None
    scope: list[ConsentScope]
    recorded_by: str = Field(description="The name of whoever recorded it.")
    recorded_at: Moment
    ended_at: Moment | None = Field(description="When it was withdrawn or ran out.")
    valid: bool = Field(description="It holds today for the network's members: the case "
                        "may enter a round.")


class CaseTimes(_View):
    """The times of a case, for its page and the network's health figures."""

    posted: Moment
    first_proposal: Moment | None
    accepted: Moment | None
    contract: Moment | None
    moved_in: dt.date | None


class CaseView(_fields_of(CaseCreate, set(), _View)):  # type: ignore[misc]
    """A case as its own case worker sees it: everything."""

    id: str
    municipality: str
    status: CaseStatus
    version: int
    created_at: Moment
    updated_at: Moment
    consent: ConsentView | None = Field(
        default=None, description="The household's consent; none recorded: it enters no "
        "round.")
    times: CaseTimes | None = None


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
    consent_recorded: bool = Field(
        default=False, description="A valid consent is recorded (its details are its case "
        "workers' only).")


class UnitView(_fields_of(UnitCreate, {"place_confirmed"}, _View)):  # type: ignore[misc]
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
    address: str | None
    lat: float
    lon: float
    free_places: dict[Stage, int]
    version: int


class SchoolPlaceView(_View):
    child: int
    school: str | None
    school_name: str | None
    stage: Stage | None


class ChildSchool(_View):
    """What a proposal means for one child's school: a new place (`new_place`, with the
    school), the school it keeps (`keeps`), or why it needs none: under one year
    (`too_young`), or a stage the network does not arrange places for (`not_arranged`)."""

    child: int
    age: int
    stage: Stage | None
    why: str
    school: str | None = None
    school_name: str | None = None
    school_address: str | None = None


class Offer(_View):
    """The unit of a proposal, as the household's case worker sees it."""

    id: str
    municipality: str
    municipality_name: str
    district: str | None
    address: UnitAddress | None
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
    case_label: str = Field(description="Her own reference to the case, or its "
                            "pseudonym.")
    unit: Offer
    schools: list[SchoolPlaceView]
    nearest_danger_km: float | None = Field(
        description="Distance from the unit to the nearest danger zone's edge, km.")
    decline_reason: DeclineReason | None
    children: list[ChildSchool] = Field(
        default_factory=list, description="Each child's school under this proposal.")
    zones: list[DangerZone] = Field(
        default_factory=list, description="The household's danger zones, for the map beside "
        "the unit (only its own case worker sees them).")
    decline_comment: str | None = None


class ProposalForHousingOfficer(_View):
    id: str
    round: str
    status: ProposalStatus
    version: int
    answer_by: dt.date | None = Field(
        default=None, description="The last working day to answer (set when published).")
    overdue: bool = Field(default=False, description="Still unanswered after answer_by.")
    unit: str
    unit_label: str = Field(description="The unit's street address, or its pseudonym.")
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
    placed: dict[str, int] | None = Field(
        description="The round's placements per tier: proposals awaiting an answer, accepted or "
        "confirmed, from every solve of the round.")
    moved: dict[str, int] | None = Field(
        default=None, description="Once the round is closed: the moves it booked, per tier.")
    unplaced: dict[str, int] | None = Field(
        description="Why the cases the last solve left unplaced were not placed.")
    proposals: dict[str, int]
    without_consent: int = Field(
        default=0, description="Open cases of the network left out of the round's snapshot "
        "today because no valid consent covers the network's members.")


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


class TodoItem(_View):
    """One thing that waits for the reader: what (`kind`, a word the pages name), how urgent
    (`rank`, lowest first), about what (`subject`, an id the reader may see, and `label`, words
    she may see), how long it has waited (`days`), for a proposal to answer the days left to
    its answer-by date (`days_left`, negative once past), and where to act (`href`)."""

    kind: str
    rank: int
    subject: str
    label: str | None = None
    urgency: Urgency | None = None
    days: int | None = None
    days_left: int | None = None
    count: int | None = None
    href: str


class LedgerLineView(_View):
    """One member's balance through a round: before it, what it books, after it, and the lowest
    it may end at (the engine's rule: the tolerance, or the balance before if already lower)."""

    municipality: str
    name: str
    before: int
    received: int
    sent: int
    after: int
    floor: int
    below: bool = Field(description="The round takes the member below its floor.")


class RoundLedger(_View):
    """What a round books into the ledger: once closed, what it booked (with the entries);
    before, what closing it now would book (the moves confirmed so far)."""

    booked: bool
    lines: list[LedgerLineView]
    entries: list[LedgerEntryView]


# --- the move after a yes (exchange.domain.move) -------------------------------------------------

class TaskUpdate(Versioned):
    """A task's new status and note, by its owner side, based on the task's version."""

    status: TaskStatus
    note: str | None = Field(
        default=None, max_length=200, description="A short note both sides read: what is "
        "agreed or awaited. Never anything about the household.")


class MovedIn(Versioned):
    """The day the household got the keys, based on the proposal's version."""

    day: dt.date = Field(description="Not in the future, not before the accept.")


class FallThroughBody(Versioned):
    """Why an accepted move did not happen, based on the proposal's version."""

    reason: FallThrough


class ChecklistTemplate(_Input):
    """The network's move checklist template, replacing the one before."""

    tasks: list[TaskTemplate] = Field(min_length=1, max_length=30)


class TaskView(_View):
    id: str
    key: str
    side: Side
    title_sv: str
    title_en: str
    due: dt.date
    status: TaskStatus
    note: str | None
    overdue: bool
    version: int


class MoveView(_View):
    """An accepted proposal's move checklist, as both sides see it: tasks, never the household
    (its case, for the sending case worker only)."""

    proposal: str = Field(description="The proposal's id, also the move's.")
    reference: str = Field(description="The proposal's pseudonym, as both sides name it.")
    stage: str = Field(description="under_way (accepted), contract (signed), moved_in, "
                       "fell_through or ended (withdrawn).")
    version: int = Field(description="The proposal's version, for moved-in and fall-through.")
    unit: str
    unit_label: str
    case: str | None = Field(default=None, description="For the sending case worker only.")
    case_label: str | None = None
    accepted_on: dt.date | None
    moved_in_on: dt.date | None
    fell_through: FallThrough | None = None
    tasks: list[TaskView]


class OverdueTask(_View):
    key: str
    side: Side
    due: dt.date
    days_late: int


class MemberMoves(_View):
    """A member's moves at a glance, for the coordinator: counts and overdue tasks only."""

    code: str
    name: str
    moving_in: int = Field(description="Moves under way into the member's units.")
    moving_out: int = Field(description="Moves under way of the member's households.")
    tasks_open: int = Field(description="Open tasks the member carries.")
    overdue: list[OverdueTask] = Field(description="The member's tasks past their day.")
