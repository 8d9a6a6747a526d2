"""The coordinator's page of the network's health: two years of figures per member and month,
each a chart with its table beside it, the forecast, the pledge plan beside what each member
pledged, the rule for idle units' cost, and the monthly report to download."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from exchange.http.deps import UowDep
from exchange.services.health import service
from exchange.services.health.charts import bar_chart, line_chart
from exchange.services.health.facts import COST_RULES
from exchange.services.health.figures import Figures
from exchange.services.health.forecast import Forecast, TooLittleHistory
from exchange.services.health.plan import PledgePlan
from exchange.web.i18n import Translator
from exchange.web.render import HEADERS, PageRoute, page, redirect, translator
from exchange.web.session import FormDep, PageActorDep

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
URGENCIES = ("acute", "high", "normal")


@router.get("/health")
def health_page(request: Request, uow: UowDep, actor: PageActorDep,
                month: Annotated[str | None, Query(max_length=7)] = None) -> Response:
    figures = service.network_figures(uow, actor)
    chosen = month if month in figures.closed else (figures.closed[-1] if figures.closed
                                                     else None)
    try:
        forecast: Forecast | None = service.network_forecast(uow, actor)
    except TooLittleHistory as short:
        forecast, too_short = None, str(short)
    else:
        too_short = ""
    plan = service.network_plan(uow, actor) if forecast is not None else None
    t = translator(request)
    return page(request, "health.html", figures=figures, month=chosen,
                rows=[r for r in figures.rows if r.month == chosen],
                waits=[w for w in figures.waits if w.month == chosen],
                declines=_declines(figures, chosen), charts=_charts(figures, forecast, t),
                forecast=_forecast_table(forecast), forecast_months=sorted(
                    {x.month for x in forecast.lines}) if forecast else [],
                plan=_plan_table(plan), plan_months=plan.months if plan else [],
                too_short=too_short, rules=COST_RULES)


@router.post("/health/settings")
def cost_rule(uow: UowDep, actor: PageActorDep, form: FormDep) -> Response:
    service.set_cost_rule(uow, actor, str(form.get("idle_cost_rule", "")))
    return redirect("/app/health?done=saved")


@router.get("/health/report")
def report(uow: UowDep, actor: PageActorDep, month: Annotated[str, Query(max_length=7)],
           format: Annotated[str, Query(max_length=4)] = "pdf") -> Response:
    """The monthly report as a file; the read is audited."""
    made = service.monthly_report(uow, actor, actor.network, month, format)
    return Response(made, media_type=service.REPORT_KINDS[format], headers={
        **HEADERS, "Content-Disposition": f'attachment; filename="{actor.network}-{month}.'
        f'{format}"'})


def _declines(figures: Figures, month: str | None) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for d in figures.declines:
        if d.month == month:
            counts[d.reason] += d.count
    return counts


def _charts(figures: Figures, forecast: Forecast | None, t: Translator) -> dict[str, Any]:
    months, names = figures.months, figures.members
    by = {(r.month, r.member): r for r in figures.rows}
    total = {key: [sum(getattr(by[m, c], key) for c in names) for m in months]
             for key in ("posted", "placed", "moved")}
    waits = {(w.month, w.urgency): w for w in figures.waits}
    declines: dict[tuple[str, str], int] = defaultdict(int)
    for d in figures.declines:
        declines[d.month, d.reason] += d.count
    charts = {
        "cases": bar_chart(months, {t(f"health.{k}"): v for k, v in total.items()},
                           t("health.cases_chart"), t("health.cases_desc")),
        "balance": line_chart(months, {n: [by[m, c].balance for m in months]
                                       for c, n in names.items()},
                              t("health.balance_chart"), t("health.balance_desc"),
                              floor=-figures.tolerance,
                              floor_label=t("network.floor", floor=-figures.tolerance)),
        "idle": bar_chart(months, {t("health.idle_cost_k"): [
            sum(by[m, c].idle_cost_sek for c in names) / 1000 for m in months]},
            t("health.idle_chart"), t("health.idle_desc")),
        "waits": line_chart(months, {t(f"urgency.{u}"): [waits[m, u].move_median
                                                         for m in months] for u in URGENCIES},
                            t("health.waits_chart"), t("health.waits_desc")),
        "declines": bar_chart(months, {t(f"decline.{r}"): [declines[m, r] for m in months]
                                       for r in sorted({d.reason for d in figures.declines})},
                              t("health.declines_chart"), t("health.declines_desc")),
    }
    if forecast is not None:
        ahead = sorted({x.month for x in forecast.lines})
        expected = {t(f"urgency.{u}"): [sum(x.expected for x in forecast.lines
                                            if x.month == m and x.urgency == u) for m in ahead]
                    for u in URGENCIES}
        charts["forecast"] = bar_chart(ahead, expected, t("health.forecast_chart"),
                                       t("health.forecast_desc"), number="{:.1f}")
    return charts


def _forecast_table(forecast: Forecast | None) -> dict[str, dict[str, list[float]]]:
    """Per member and month: expected new cases, and the interval's ends, summed over urgency."""
    table: dict[str, dict[str, list[float]]] = defaultdict(dict)
    for line in forecast.lines if forecast else []:
        cell = table[line.member].setdefault(line.month, [0.0, 0.0, 0.0])
        cell[0] += line.expected
        cell[1] += line.low
        cell[2] += line.high
    return table


def _plan_table(plan: PledgePlan | None) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for x in plan.targets if plan else []:
        row = table.setdefault(x.member, {"available": 0, "last": 0, "month": 0, "quarter": 0,
                                          "sizes": []})
        row["available"] += x.available
        row["last"] += x.pledged_last_month
        row["month"] += x.month
        row["quarter"] += x.quarter
        if x.month or x.quarter:
            row["sizes"].append((x.rooms, x.month, x.quarter))
    return table
