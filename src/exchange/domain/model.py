"""The round and the result of a matching round, as typed, validated values.

These models are the contract of the round file and the result file (format version 1); the
field descriptions end up in the published JSON Schemas. They hold data and per-object checks
only; checks that span the whole round (duplicate ids, membership) live in `exchange.formats`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

ROUND_FORMAT: Final = "exchange-round/1"
RESULT_FORMAT: Final = "exchange-result/1"


class Urgency(StrEnum):
    """How urgent a case is; tiers are filled in this order."""

    ACUTE = "acute"
    HIGH = "high"
    NORMAL = "normal"


class Stage(StrEnum):
    """A school stage, which follows from a child's age."""

    PRESCHOOL = "preschool"
    F3 = "f3"
    Y4_6 = "y4_6"
    Y7_9 = "y7_9"
    UPPER_SECONDARY = "upper_secondary"


class Contract(StrEnum):
    """The kind of tenancy a unit comes with."""

    FIRST_HAND = "first_hand"
    SECOND_HAND_TO_FIRST_HAND = "second_hand_to_first_hand"
    SOCIAL_CONTRACT = "social_contract"


class Status(StrEnum):
    """Whether the tier counts of a result are proven optimal."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"


class Reason(StrEnum):
    """Why a case was not placed: the first that applies, in this order."""

    NO_SAFE_UNIT = "no_safe_unit"
    NO_FITTING_UNIT = "no_fitting_unit"
    NO_SCHOOL_PLACE = "no_school_place"
    RECIPROCITY_LIMIT = "reciprocity_limit"
    OUTRANKED = "outranked"


#: Upper bounds on every list and text, far above any real household or network, so that no one
#: input can fill the memory of a round or hold the database for long (docs/round-format.md,
#: "Limits"). A list or text beyond its bound is refused with its path, like any other problem.
MAX_TEXT = 200
MAX_CHILDREN = 20
MAX_DANGER_ZONES = 50
MAX_MUNICIPALITIES = 300  # Sweden has 290
MAX_DECLINED = 1_000
MAX_MEMBERS = 10_000  # every four-digit code
MAX_ITEMS = 1_000_000  # schools, units, cases, proposals of one round


class _Value(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid", allow_inf_nan=False)


Id = Annotated[str, Field(min_length=1, max_length=100)]
Code = Annotated[str, Field(pattern=r"^[0-9]{4}$", description="Four-digit municipality code.")]
Lat = Annotated[float, Field(ge=-90, le=90, description="Latitude, WGS-84 decimal degrees.")]
Lon = Annotated[float, Field(ge=-180, le=180, description="Longitude, WGS-84 decimal degrees.")]
Km = Annotated[float, Field(gt=0, le=20_000, description="Geodesic kilometres.")]
Sek = Annotated[int, Field(ge=0, le=10_000_000, description="Whole SEK per month.")]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Rooms = Annotated[int, Field(ge=1, le=50)]


class RoundInfo(_Value):
    id: Id = Field(description="Unique id of the round, e.g. 'sodertorn-2026-12'.")
    date: dt.date = Field(description="The day the round is run; waiting time counts to it.")


class Rules(_Value):
    reciprocity_tolerance: Count = Field(
        description="How far below zero a member's ledger balance may go."
    )
    allow_home_municipality: bool = Field(
        default=False, description="Whether a case may be placed in its own municipality."
    )
    school_reach_km: dict[Stage, Km] = Field(
        default_factory=dict,
        description="Per stage, how far a school may be from the unit; absent stages need none.",
    )


class Network(_Value):
    id: Id
    name: str = Field(min_length=1, max_length=MAX_TEXT)
    rules: Rules


class Municipality(_Value):
    code: Code
    name: str = Field(min_length=1, max_length=MAX_TEXT)
    lat: Lat
    lon: Lon
    ledger_balance: int = Field(
        default=0, ge=-1_000_000, le=1_000_000,
        description="Placements received minus sent before this round.",
    )


class School(_Value):
    id: Id
    municipality: Code
    name: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT,
                             description="The school's name, shown to people.")
    address: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT,
                                description="The school's street address, shown to people.")
    lat: Lat
    lon: Lon
    free_places: dict[Stage, Count] = Field(
        default_factory=dict, description="Free places per stage; absent stages have none."
    )


class Requirements(_Value):
    min_income_multiple: float | None = Field(
        default=None, gt=0, le=100,
        description="Monthly income must be at least this times the rent.",
    )
    accepts_income_support: bool = Field(
        default=False, description="Income support (försörjningsstöd) meets the income rule."
    )


class Unit(_Value):
    id: Id
    municipality: Code
    lat: Lat
    lon: Lon
    rooms: Rooms
    area_m2: float | None = Field(default=None, gt=0, le=10_000)
    rent_sek: Sek
    step_free: bool = False
    contract: Contract
    available_from: dt.date | None = None
    requirements: Requirements = Field(default_factory=Requirements)


class KeepSchool(_Value):
    name: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT,
                             description="The school's name, for people; the rules use only "
                             "its position.")
    lat: Lat
    lon: Lon
    max_km: Km = Field(description="The unit must lie within this distance of the school.")


class Child(_Value):
    age: int = Field(ge=0, le=17)
    keep_school: KeepSchool | None = Field(
        default=None, description="The child keeps this school; no new place is needed."
    )


class Household(_Value):
    adults: int = Field(ge=1, le=20)
    children: list[Child] = Field(default_factory=list, max_length=MAX_CHILDREN)


class Needs(_Value):
    step_free: bool = False


class DangerZone(_Value):
    name: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT,
                             description="The place it was picked as, for people (\"Alby "
                             "(Botkyrka)\"); the rules use only its centre and radius.")
    lat: Lat
    lon: Lon
    radius_km: Km


class Safety(_Value):
    excluded_municipalities: list[Code] = Field(
        default_factory=list, max_length=MAX_MUNICIPALITIES,
        description="Never placed here; may lie outside the network."
    )
    danger_zones: list[DangerZone] = Field(default_factory=list, max_length=MAX_DANGER_ZONES)


class Preferences(_Value):
    municipalities: list[Code] = Field(default_factory=list, max_length=MAX_MUNICIPALITIES)


class Case(_Value):
    id: Id
    municipality: Code = Field(description="The sending (home) municipality.")
    urgency: Urgency
    waiting_since: dt.date
    household: Household
    rooms_min: Rooms = Field(description="The fewest rooms the household needs; at most "
                             "`rooms_max`.")
    rooms_max: Rooms = Field(description="The most rooms the household may be offered.")
    max_rent_sek: Sek
    monthly_income_sek: Sek = 0
    income_support: bool = False
    needs: Needs = Field(default_factory=Needs)
    safety: Safety = Field(default_factory=Safety)
    preferences: Preferences = Field(default_factory=Preferences)
    declined_units: list[Id] = Field(
        default_factory=list, max_length=MAX_DECLINED,
        description="Units the household has declined before; they are never proposed again.",
    )


class Round(_Value):
    """A round file: everything one matching round needs, and nothing else.

    Checks across objects (unique ids, members named where a member is needed, `rooms_min <=
    rooms_max`) are made by `exchange.formats.load_round`, so that all problems come at once.
    """

    format: Literal["exchange-round/1"]
    round: RoundInfo
    network: Network
    municipalities: list[Municipality] = Field(min_length=1, max_length=MAX_MEMBERS)
    schools: list[School] = Field(default_factory=list, max_length=MAX_ITEMS)
    units: list[Unit] = Field(default_factory=list, max_length=MAX_ITEMS)
    cases: list[Case] = Field(default_factory=list, max_length=MAX_ITEMS)


class SchoolPlace(_Value):
    child: int = Field(ge=0, lt=MAX_CHILDREN, description="Index into the case's children list.")
    school: str | None = Field(
        description="The school assigned; null when the child keeps its own.")
    stage: Stage | None


class Proposal(_Value):
    case: Id
    unit: Id
    schools: list[SchoolPlace] = Field(default_factory=list, max_length=MAX_CHILDREN)


class Unplaced(_Value):
    case: Id
    reason: Reason
    detail: str = Field(max_length=1_000,
                        description="Counts behind the reason, free of any location.")


class LedgerLine(_Value):
    municipality: Code
    before: int
    received: Count
    sent: Count
    after: int


class Placed(_Value):
    acute: Count = 0
    high: Count = 0
    normal: Count = 0


class SolverInfo(_Value):
    seconds: float = Field(ge=0)
    version: str = Field(max_length=100)
    parameters: dict[str, str | int | float | bool | None] = Field(default_factory=dict,
                                                                   max_length=1_000)


class Result(_Value):
    """A result file: the proposals of one round and why the others were not placed."""

    format: Literal["exchange-result/1"]
    round: Id
    status: Status
    placed: Placed
    proposals: list[Proposal] = Field(max_length=MAX_ITEMS)
    unplaced: list[Unplaced] = Field(max_length=MAX_ITEMS)
    ledger: list[LedgerLine] = Field(max_length=MAX_MEMBERS)
    solver: SolverInfo
