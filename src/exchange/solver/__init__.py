"""The matching engine: eligibility, the model, school places and explanations."""

from exchange.solver.solve import SolverFault, solve

__all__ = ["SolverFault", "solve"]
