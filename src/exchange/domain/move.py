"""The move after a yes: a checklist of tasks shared by the sending case worker and the
receiving housing officer, from the accept to the keys.

Each network keeps its own template (the coordinator edits it); `DEFAULT_CHECKLIST` is the
Swedish default. A task belongs to one side, is due a number of Swedish working days after the
accept, and applies always, only to households with children, or only to households with
protected personal data (skyddade personuppgifter).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from exchange.domain.working_days import add_working_days


class Side(StrEnum):
    """Who carries a task: the household's municipality, or the unit's."""

    SENDING = "sending"
    RECEIVING = "receiving"


class When(StrEnum):
    """Which households a task applies to."""

    ALWAYS = "always"
    CHILDREN = "children"
    PROTECTED = "protected"


class TaskStatus(StrEnum):
    TODO = "todo"
    STARTED = "started"
    DONE = "done"
    NOT_NEEDED = "not_needed"


#: A task in these statuses needs nothing more.
SETTLED = (TaskStatus.DONE, TaskStatus.NOT_NEEDED)


class FallThrough(StrEnum):
    """Why an accepted move did not happen; a fixed word, never free text."""

    VIEWING = "viewing"  # the household saw the unit and it does not work
    LANDLORD_REFUSED = "landlord_refused"
    HOUSEHOLD_CHANGED = "household_changed"
    SAFETY = "safety"
    OTHER = "other"


class TaskTemplate(BaseModel):
    """One task of a network's checklist template."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="A short stable name.")
    side: Side
    days: int = Field(ge=0, le=120, description="Working days after the accept it is due.")
    when: When = When.ALWAYS
    title_sv: str = Field(min_length=1, max_length=120)
    title_en: str = Field(min_length=1, max_length=120)


def _task(key: str, side: Side, days: int, sv: str, en: str,
          when: When = When.ALWAYS) -> TaskTemplate:
    return TaskTemplate(key=key, side=side, days=days, when=when, title_sv=sv, title_en=en)


_S, _R = Side.SENDING, Side.RECEIVING

#: The Swedish default; why each task is on it: docs/move-checklist.md.
DEFAULT_CHECKLIST: tuple[TaskTemplate, ...] = (
    _task("protected_address", _S, 3, "Skyddad adress hanteras med Skatteverket",
          "Protected address handled with the Tax Agency", When.PROTECTED),
    _task("viewing", _R, 5, "Visning av bostaden", "Viewing of the unit"),
    _task("landlord_check", _R, 7, "Hyresvärdens kontroll", "The landlord's checks"),
    _task("rent_guarantee", _S, 10, "Hyresgaranti eller deposition",
          "Rent guarantee or deposit"),
    _task("contract", _R, 15, "Kontrakt skrivs", "Contract signed"),
    _task("school_places", _S, 15, "Förskole- eller skolplats för varje barn",
          "Preschool or school place for each child", When.CHILDREN),
    _task("handover", _S, 15, "Överlämning till socialtjänsten i den mottagande kommunen",
          "Hand-over to the receiving municipality's social services"),
    _task("moving_help", _S, 20, "Flyttdag och flytthjälp", "Moving day and moving help"),
    _task("keys", _R, 20, "Nycklar lämnas över", "Keys handed over"),
)

#: The task added for a household with protected personal data when a template lacks one.
PROTECTED_TASK = DEFAULT_CHECKLIST[0]


def tasks_for(template: list[TaskTemplate] | tuple[TaskTemplate, ...], children: bool,
              protected: bool) -> list[TaskTemplate]:
    """The template's tasks that apply to a household; one with protected personal data always
    gets a task for its protected address."""
    applies = {When.ALWAYS: True, When.CHILDREN: children, When.PROTECTED: protected}
    chosen = [task for task in template if applies[task.when]]
    if protected and not any(task.when is When.PROTECTED for task in chosen):
        chosen.insert(0, PROTECTED_TASK)
    return chosen


def due_on(accepted: dt.date, task: TaskTemplate) -> dt.date:
    """The day a task is due: its number of Swedish working days after the accept."""
    return add_working_days(accepted, task.days)


def is_overdue(due: dt.date, status: TaskStatus, today: dt.date) -> bool:
    """Whether a task is past its day and still not done."""
    return status not in SETTLED and due < today
