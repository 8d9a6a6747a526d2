"""What a service refuses, in words that the API turns into problem details."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with the input: where (a field path) and what, never the value itself."""

    path: str
    message: str
    code: str | None = None  # a word a page can show in the reader's language
    values: tuple[tuple[str, str], ...] = ()  # what that page's words name (never input)


class ServiceError(Exception):
    """Base of every refusal; `title` is a short summary, the message says what to do next."""

    status = 400
    title = "Bad request"
    code = "refused"  # the outcome word in the audit trail


class NotFound(ServiceError):
    """No such object, or none the caller may see: the two are never told apart."""

    status = 404
    title = "Not found"
    code = "denied"


class Forbidden(ServiceError):
    """The caller's role does not include this function at all."""

    status = 403
    title = "Not allowed for your role"
    code = "denied"


class Conflict(ServiceError):
    """The object is not in a state that allows this, or another write came first."""

    status = 409
    title = "Conflict"
    code = "conflict"


class Stale(Conflict):
    """The write was based on an older version of the object."""

    title = "Changed by someone else"
    code = "stale"


@dataclass
class Invalid(ServiceError):
    """The input breaks a rule; every problem is listed with its field path."""

    problems: list[FieldProblem] = field(default_factory=list)
    status = 422
    title = "Invalid input"
    code = "invalid"

    def __post_init__(self) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in self.problems))
