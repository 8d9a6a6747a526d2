"""Use cases: pledge a unit, post a case, open, solve, publish and close a round, answer a proposal.

Every function takes the unit of work it runs in and the actor who asks; authorisation is decided
in `exchange.services.access`, and every read of a case or proposal and every change is audited.
"""
