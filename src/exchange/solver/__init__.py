"""The matching engine: a round in, a checked result out (`solve`).

What it must do
---------------
Give each case at most one unit and each unit at most one case, only eligible pairs (safety,
fit, landlord and school reach: `exchange.domain.rules`), with a school place for every child
that needs one and every member within its reciprocity floor; and among all such answers,
place the most acute cases, then the most high, then the most normal, then the best by a
secondary score (waiting time, children, preferences, fit: `SolveParams`). Every rule is hard:
none is ever relaxed, not as a fallback.

The path of one solve (`exchange.solver.solve.solve`)
-----------------------------------------------------
1. **Arrays** (`instance`): the round as numpy columns; school reach resolved once per unit and
   school.
2. **Pairs** (`eligibility`): every eligible case-unit pair, vectorised, then without the
   pairs no answer can choose (a stage's children outnumber every free place of that stage
   the unit reaches: 3 % of the pairs at Södertörn 300 x 300, and the LP gets tighter).
3. **First answer** (`circulation`): without school places the tier rules are one min-cost
   circulation (reciprocity is flow conservation at each member), solved exactly; its
   placements are then cut to the school places, members below their floor give back their
   least urgent placements, free units are filled and acute and high cases trade up. Always
   feasible, never proven; it bounds the acute count (school places left out). On national
   rounds, where no LP solves in time, this is the answer.
4. **The model** (`lexicographic`, `model`, `seats`): one stage per tier, then the secondary
   score. A stage solves the LP relaxation over a few generated columns, prices every pair
   with its duals and adds the improving ones until none is left (column generation); the LP
   value is then a bound over all pairs. School places enter as flows from *seat clusters*
   (units that reach exactly the same schools) to schools, which is exact and much smaller
   than a flow per unit. A MIP over the pairs around the LP's fractional part, then over the
   pairs whose reduced cost leaves room for the floor of the bound, proves the count when it
   reaches that floor; otherwise a MIP over every pair with room in its reduced cost is exact.
   The count is then locked for the stages after it.
5. **Bounds** (`model.AssignmentModel.dual_bound`, `solve.tier_bounds`): any duals give a
   valid Lagrangian bound (every row but the cases' priced, each case's best pair counted
   once), so each pricing round bounds the tier even when the time runs out before the LP
   converges. Each tier's bound (school places counted) is reported in the result's
   `solver.parameters` as `bound_acute`, `bound_high`, `bound_normal`: no answer placing at
   least as many cases of every more urgent tier places more of that tier. Counts that all
   reach their bounds are proven.
6. **When the time runs out** (`deadline`, `floor`): the better of the model's placements
   (completed) and the first answer; then every tier not proven is raised, most urgent first,
   to what first come places with the more urgent tiers kept, or to the first answer's
   placements of that tier refitted beside them, where that places more and keeps every rule
   (Stockholm 2,000 x 2,000: 480 high cases where the completed model placed 413). A tier cut
   short is never left to a weak fill-in.
7. **Finishing** (`explain`, `seat_slack`, `schools`): a reason for every unplaced case, school
   names for every child, and the independent check of every rule
   (`exchange.domain.verify`); a result that breaks one is never written (`SolverFault`).

Where the time goes, measured (see docs/benchmarks.md)
-------------------------------------------------------
Regional rounds (Södertörn 300 x 300) are proven in about 2 s: the LPs take 0.03-0.2 s, one
MIP of about 2,000 columns per hard tier 0.5 s. County rounds (Stockholm 2,000 x 2,000, half a
million pairs) prove the acute tier in about 10 s; each LP of the later tiers takes 6-13 s
with GLOP (school rows make it ten times harder than without), so the high and normal tiers
end with a bound rather than a proof within a minute. National rounds (Sweden 10,000 x 10,000,
14 million pairs) take 10-15 s to build and about 25 s for the first answer; the model gets no
LP solved in the time left.

Conventions: the solver does no I/O and imports no service; `solve` is deterministic (single
thread, fixed orders) unless the time limit cuts it, and then the result says `feasible`.
Only `model` knows OR-Tools' linear solver interface and only `circulation` its min-cost flow.
"""

from exchange.solver.params import SolveParams
from exchange.solver.solve import SolverFault, solve

__all__ = ["SolveParams", "SolverFault", "solve"]
