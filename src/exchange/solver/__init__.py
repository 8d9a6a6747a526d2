"""The matching engine: eligibility, the model, school places and explanations."""

from exchange.solver.params import SolveParams
from exchange.solver.solve import SolverFault, solve

__all__ = ["SolveParams", "SolverFault", "solve"]
