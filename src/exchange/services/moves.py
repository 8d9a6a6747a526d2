"""The move after a yes: an accepted proposal opens a checklist shared by the sending case
worker and the receiving housing officer, from the accept to the keys (`exchange.domain.move`).

Each side sees the tasks and changes its own; the receiving side never sees the household (only
the proposal's pseudonym), and the coordinator sees counts and overdue tasks per member only.
Every read and change of a checklist is audited (reads of a household with protected personal
data flagged). A move that falls through before the contract returns the unit and the case to the
pool with a reason; the move-in is recorded once the contract is signed.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import TypeAdapter
from sqlalchemy import delete, select

from exchange.domain.lifecycle import ProposalStatus, Role
from exchange.domain.move import (
    DEFAULT_CHECKLIST,
    PROTECTED_TASK,
    SETTLED,
    FallThrough,
    Side,
    TaskStatus,
    TaskTemplate,
    due_on,
    is_overdue,
    tasks_for,
)
from exchange.persistence.rows import (
    CaseRow,
    MoveTaskRow,
    NetworkRow,
    ProposalRow,
    RoundRow,
    UnitRow,
    now,
)
from exchange.services.access import Actor, audit, audit_reads, one, proposals, require
from exchange.services.errors import Conflict, FieldProblem, Invalid
from exchange.services.network import members_of
from exchange.services.records import check_version, end_proposal, new_id, pseudonym
from exchange.services.schemas import (
    ChecklistTemplate,
    FallThroughBody,
    MemberMoves,
    MovedIn,
    MoveView,
    OverdueTask,
    TaskUpdate,
    TaskView,
)
from exchange.services.sealed import case_spec
from exchange.services.unit_of_work import UnitOfWork, use_case

SIDES = (Role.CASE_WORKER, Role.HOUSING_OFFICER)
_TEMPLATE = TypeAdapter(list[TaskTemplate])


def template_of(uow: UnitOfWork, network: str) -> list[TaskTemplate]:
    """The network's checklist template, or the Swedish default."""
    stored = uow.session.get_one(NetworkRow, network).checklist
    return _TEMPLATE.validate_python(stored) if stored else list(DEFAULT_CHECKLIST)


def open_checklist(uow: UnitOfWork, proposal: ProposalRow, case: CaseRow) -> None:
    """An accepted proposal's tasks, due in working days from today (the accept)."""
    network = uow.session.get_one(RoundRow, proposal.round_id).network_id
    children = bool(case.spec["household"].get("children"))
    accepted = now().date()
    for position, task in enumerate(tasks_for(template_of(uow, network), children,
                                              case.protected)):
        uow.session.add(MoveTaskRow(
            id=new_id("task"), proposal_id=proposal.id, position=position, key=task.key,
            side=task.side.value, title_sv=task.title_sv, title_en=task.title_en,
            due=due_on(accepted, task), status=TaskStatus.TODO.value))
    case.accepted_at = now()


def mark_protected(uow: UnitOfWork, case: CaseRow) -> None:
    """A case newly marked as protected: each of its moves under way gains the task of the
    protected address, due from today, unless it has it already."""
    for proposal in uow.session.scalars(select(ProposalRow).where(
            ProposalRow.case_id == case.id, ProposalRow.moved_in_on.is_(None),
            ProposalRow.status.in_((ProposalStatus.ACCEPTED, ProposalStatus.CONFIRMED)),
            ProposalRow.id.in_(select(MoveTaskRow.proposal_id)))):
        tasks = _tasks(uow, proposal.id)
        if any(task.key == PROTECTED_TASK.key for task in tasks):
            continue
        uow.session.add(MoveTaskRow(
            id=new_id("task"), proposal_id=proposal.id, position=-1, key=PROTECTED_TASK.key,
            side=PROTECTED_TASK.side.value, title_sv=PROTECTED_TASK.title_sv,
            title_en=PROTECTED_TASK.title_en, due=due_on(now().date(), PROTECTED_TASK),
            status=TaskStatus.TODO.value))


def drop_checklist(uow: UnitOfWork, proposal: ProposalRow, case: CaseRow) -> None:
    """An accept undone: its checklist goes with it."""
    uow.session.execute(delete(MoveTaskRow).where(MoveTaskRow.proposal_id == proposal.id))
    case.accepted_at = None


@use_case
def get_template(uow: UnitOfWork, actor: Actor) -> list[TaskTemplate]:
    """The network's checklist template (everyone in the network may read it)."""
    return template_of(uow, actor.network)


@use_case
def set_template(uow: UnitOfWork, actor: Actor, body: ChecklistTemplate) -> list[TaskTemplate]:
    """Replace the network's template (the coordinator); checklists already open keep theirs."""
    require(uow, actor, "update", "checklist", Role.COORDINATOR)
    keys = [task.key for task in body.tasks]
    repeated = [i for i, key in enumerate(keys) if key in keys[:i]]
    if repeated:
        raise Invalid([FieldProblem(f"tasks[{repeated[0]}].key", "is used by another task; "
                                    "each task needs a key of its own", "key_repeated")])
    uow.session.get_one(NetworkRow, actor.network).checklist = [
        task.model_dump(mode="json") for task in body.tasks]
    audit(uow, actor, "update", "checklist", actor.network)
    return list(body.tasks)


@use_case
def list_moves(uow: UnitOfWork, actor: Actor) -> list[MoveView]:
    """The checklists of the caller's side (her households' moves, or the moves into her
    units), newest accept first; every read audited."""
    require(uow, actor, "list", "move", *SIDES)
    rows = list(uow.session.scalars(proposals(actor).where(
        ProposalRow.id.in_(select(MoveTaskRow.proposal_id)))
        .order_by(ProposalRow.answered_at.desc(), ProposalRow.id).limit(200)))
    if rows:
        audit_reads(uow, actor, "move", [row.id for row in rows])
    return [move_view(uow, actor, row) for row in rows]


@use_case
def get_move(uow: UnitOfWork, actor: Actor, proposal_id: str) -> MoveView:
    """One checklist of the caller's side, or a 404; the read is audited."""
    row = _find(uow, actor, proposal_id)
    audit_reads(uow, actor, "move", [row.id])
    return move_view(uow, actor, row)


@use_case
def update_task(uow: UnitOfWork, actor: Actor, proposal_id: str, task_id: str,
                body: TaskUpdate) -> MoveView:
    """Set a task's status and note; only the task's owner side may, while the move lives."""
    row = _find(uow, actor, proposal_id, "update")
    task: MoveTaskRow = one(uow, actor, select(MoveTaskRow).where(
        MoveTaskRow.id == task_id, MoveTaskRow.proposal_id == row.id), "task", task_id,
        "update")
    check_version(task, body.version)
    if task.side != _side(actor).value:
        raise Conflict("The task is the other municipality's; only its owner side changes it.")
    if _stage(row) not in ("under_way", "contract"):
        raise Conflict("The move is over; its checklist can no longer be changed.")
    task.status, task.updated_by = body.status.value, actor.user_id
    task.note = (body.note or "").strip() or None
    audit(uow, actor, "update", "move", row.id)
    return move_view(uow, actor, row)


@use_case
def record_moved_in(uow: UnitOfWork, actor: Actor, proposal_id: str, body: MovedIn
                    ) -> MoveView:
    """The household got the keys: recorded on the move and the case, once the contract is
    signed; not in the future, not before the accept."""
    row = _find(uow, actor, proposal_id, "moved_in")
    check_version(row, body.version)
    if row.status != ProposalStatus.CONFIRMED or row.moved_in_on is not None:
        raise Conflict(f"The move is {_stage(row).replace('_', ' ')}; a move-in is recorded "
                       "once, after the contract is signed.")
    accepted = row.answered_at.date() if row.answered_at else None
    if body.day > now().date() or (accepted is not None and body.day < accepted):
        raise Invalid([FieldProblem("day", "must lie between the accept and today",
                                    "moved_in_day")])
    row.moved_in_on = body.day
    uow.session.get_one(CaseRow, row.case_id).moved_in_on = body.day
    audit(uow, actor, "moved_in", "move", row.id)
    return move_view(uow, actor, row)


@use_case
def fall_through(uow: UnitOfWork, actor: Actor, proposal_id: str, body: FallThroughBody
                 ) -> MoveView:
    """An accepted move did not happen: the unit and the case return to the pool, with the
    reason; the checklist is kept as it was."""
    row = _find(uow, actor, proposal_id, "fall_through")
    check_version(row, body.version)
    if row.status != ProposalStatus.ACCEPTED:
        raise Conflict(f"The move is {_stage(row).replace('_', ' ')}; only a move before its "
                       "contract can fall through.")
    end_proposal(uow, row)
    row.fell_through = body.reason.value
    audit(uow, actor, "fall_through", "move", row.id)
    return move_view(uow, actor, row)


@use_case
def overview(uow: UnitOfWork, actor: Actor) -> list[MemberMoves]:
    """Per member, the moves under way in and out, its open tasks and its overdue ones: counts
    and task names only (the coordinator)."""
    require(uow, actor, "overview", "move", Role.COORDINATOR)
    audit(uow, actor, "overview", "move", actor.network)
    moving_in: dict[str, int] = defaultdict(int)
    moving_out: dict[str, int] = defaultdict(int)
    open_tasks: dict[str, int] = defaultdict(int)
    late: dict[str, list[OverdueTask]] = defaultdict(list)
    today = now().date()
    live = proposals(actor).add_columns(CaseRow.municipality_code, UnitRow.municipality_code)
    for proposal, sending, receiving in uow.session.execute(live.where(
            ProposalRow.status.in_((ProposalStatus.ACCEPTED, ProposalStatus.CONFIRMED)),
            ProposalRow.moved_in_on.is_(None))):
        moving_out[sending] += 1
        moving_in[receiving] += 1
        for task in _tasks(uow, proposal.id):
            owner = sending if task.side == Side.SENDING.value else receiving
            if TaskStatus(task.status) not in SETTLED:
                open_tasks[owner] += 1
            if is_overdue(task.due, TaskStatus(task.status), today):
                late[owner].append(OverdueTask(key=task.key, side=Side(task.side), due=task.due,
                                               days_late=(today - task.due).days))
    return [MemberMoves(code=m.code, name=m.name, moving_in=moving_in[m.code],
                        moving_out=moving_out[m.code], tasks_open=open_tasks[m.code],
                        overdue=sorted(late[m.code], key=lambda t: t.due))
            for m in members_of(uow, actor.network)]


def overdue_tasks(uow: UnitOfWork, actor: Actor) -> list[tuple[ProposalRow, MoveTaskRow]]:
    """The caller's side's tasks past their day in moves still under way (for her to-do list)."""
    side, today = _side(actor).value, now().date()
    found = []
    for proposal in uow.session.scalars(proposals(actor).where(
            ProposalRow.status.in_((ProposalStatus.ACCEPTED, ProposalStatus.CONFIRMED)),
            ProposalRow.moved_in_on.is_(None))):
        found += [(proposal, task) for task in _tasks(uow, proposal.id)
                  if task.side == side and is_overdue(task.due, TaskStatus(task.status), today)]
    if found:
        audit_reads(uow, actor, "move", sorted({proposal.id for proposal, _ in found}))
    return found


def move_view(uow: UnitOfWork, actor: Actor, row: ProposalRow) -> MoveView:
    """The checklist as this side sees it: the household only for its own case worker."""
    unit = uow.session.get_one(UnitRow, row.unit_id)
    case = uow.session.get_one(CaseRow, row.case_id)
    mine = actor.role is Role.CASE_WORKER
    today = now().date()
    reference = (case_spec(case).get("reference") if mine and case.erased_at is None else None)
    return MoveView(
        proposal=row.id, reference=pseudonym(row.id), stage=_stage(row), version=row.version,
        unit=unit.id, unit_label=(unit.address or {}).get("street") or pseudonym(unit.id),
        case=case.id if mine else None,
        case_label=(reference or pseudonym(case.id)) if mine else None,
        accepted_on=row.answered_at.date() if row.answered_at else None,
        moved_in_on=row.moved_in_on,
        fell_through=FallThrough(row.fell_through) if row.fell_through else None,
        tasks=[TaskView(id=t.id, key=t.key, side=Side(t.side), title_sv=t.title_sv,
                        title_en=t.title_en, due=t.due, status=TaskStatus(t.status),
                        note=t.note, version=t.version,
                        overdue=_stage(row) in ("under_way", "contract")
                        and is_overdue(t.due, TaskStatus(t.status), today))
               for t in _tasks(uow, row.id)])


def _stage(row: ProposalRow) -> str:
    if row.moved_in_on is not None:
        return "moved_in"
    if row.fell_through is not None:
        return "fell_through"
    return {ProposalStatus.ACCEPTED: "under_way",
            ProposalStatus.CONFIRMED: "contract"}.get(ProposalStatus(row.status), "ended")


def _tasks(uow: UnitOfWork, proposal_id: str) -> list[MoveTaskRow]:
    return list(uow.session.scalars(select(MoveTaskRow).where(
        MoveTaskRow.proposal_id == proposal_id).order_by(MoveTaskRow.position)))


def _side(actor: Actor) -> Side:
    return Side.SENDING if actor.role is Role.CASE_WORKER else Side.RECEIVING


def _find(uow: UnitOfWork, actor: Actor, proposal_id: str, action: str = "read"
          ) -> ProposalRow:
    """A proposal with a checklist on the caller's side, or a 404 (audited)."""
    require(uow, actor, action, "move", *SIDES)
    row: ProposalRow = one(uow, actor, proposals(actor).where(
        ProposalRow.id == proposal_id, ProposalRow.id.in_(select(MoveTaskRow.proposal_id))),
        "proposal", proposal_id, action)
    return row
