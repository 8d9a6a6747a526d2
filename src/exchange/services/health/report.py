"""The monthly report for the network's steering group: the figures of one month and the year
before it, in Swedish, as tables of counts with a chart beside each. Pure.

No count about one member's households in one month is shown as 1 or 2: it reads "färre än 3".
So that such a cell cannot be worked out from the network's total, the smallest other count of
its column is hidden too ("dold") whenever a column hides anything (docs/network-health.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup

from exchange.services.health.charts import bar_chart, line_chart
from exchange.services.health.figures import Figures, MemberMonth
from exchange.services.health.forecast import Forecast
from exchange.services.health.plan import PledgePlan

FEWER = "färre än 3"
HIDDEN = "dold"
URGENCY = {"acute": "Akut", "high": "Hög", "normal": "Normal"}
REASONS = {"safety_concern": "Säkerhet", "unit_does_not_suit": "Bostaden passar inte",
           "location": "Läget", "school": "Skolan", "household_changed": "Hushållet ändrat",
           "other": "Annat"}
RULES = {"pledging_member": "den medlem som ställt lägenheten till förfogande",
         "shared_by_use": "alla medlemmar, i proportion till hur många hushåll var och en flyttat "
                          "genom nätverket de senaste tolv månaderna"}
Cell = int | float | str


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Section:
    title: str
    text: str
    chart: Markup | None
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    network: str
    month: str
    sections: list[Section]


def protect(column: list[int]) -> list[Cell]:
    """A column of counts about members' households: 1 and 2 read "färre än 3", and if any
    does, the smallest other non-zero count is hidden as well."""
    shown: list[Cell] = [FEWER if 1 <= n <= 2 else n for n in column]
    if any(cell == FEWER for cell in shown):
        others = sorted((n, i) for i, n in enumerate(column) if n >= 3)
        if others:
            shown[others[0][1]] = HIDDEN
    return shown


def _year(figures: Figures, month: str) -> list[str]:
    return [m for m in figures.months if m <= month][-12:]


def _by_month(figures: Figures) -> dict[str, list[MemberMonth]]:
    rows: dict[str, list[MemberMonth]] = defaultdict(list)
    for row in figures.rows:
        rows[row.month].append(row)
    return rows


def build(figures: Figures, month: str, forecast: Forecast | None, plan: PledgePlan | None,
          network_name: str) -> Report:
    """The report of `month` (checked by the caller: a month with a closed round)."""
    year, rows = _year(figures, month), _by_month(figures)
    sections = [_cases(figures, month, year, rows), _balances(figures, month, year, rows),
                _units(figures, month, year, rows), _waits(figures, month, year),
                _declines(figures, month, year), _forecast(figures, forecast)]
    if plan is not None:
        sections.append(_plan(figures, plan, month))
    return Report(network_name, month, sections)


def _name(figures: Figures, code: str) -> str:
    return figures.members.get(code, code)


def _cases(figures: Figures, month: str, year: list[str],
           rows: dict[str, list[MemberMonth]]) -> Section:
    now = rows[month]
    columns = {key: protect([getattr(r, key) for r in now])
               for key in ("posted", "placed", "moved", "sent", "received")}
    table = Table(f"Hushåll per medlem, {month}",
                  ["Medlem", "Nya ärenden", "Fått förslag", "Flyttat in", "Skickade",
                   "Mottagna"],
                  [[_name(figures, r.member), *(columns[k][i] for k in columns)]
                   for i, r in enumerate(now)])
    totals = {label: [sum(getattr(r, key) for r in rows[m]) for m in year]
              for key, label in (("posted", "Nya ärenden"), ("placed", "Fått förslag"),
                                 ("moved", "Flyttat in"))}
    chart = bar_chart(year, totals, "Hushåll i nätverket per månad",
                      "Nya ärenden, hushåll som fått förslag och hushåll som flyttat in, hela "
                      "nätverket, de senaste tolv månaderna.")
    return Section("Ärenden", "Hur många hushåll varje medlem lagt in, som fått ett förslag, "
                   "som flyttat in, och hur många som flyttat från (skickade) och till "
                   "(mottagna) varje medlem.", chart, [table])


def _balances(figures: Figures, month: str, year: list[str],
              rows: dict[str, list[MemberMonth]]) -> Section:
    series = {_name(figures, code): [next(r.balance for r in rows[m] if r.member == code)
                                     for m in year] for code in figures.members}
    chart = line_chart(year, series, "Saldo mot toleransen",
                       "Varje medlems saldo vid månadens slut; den streckade linjen är det "
                       "lägsta saldo toleransen tillåter.", floor=-figures.tolerance,
                       floor_label=f"golv {-figures.tolerance}")
    table = Table(f"Saldo vid slutet av {month}", ["Medlem", "Saldo", "Golv", "Lägsta på ett år"],
                  [[name, values[-1], -figures.tolerance, min(values)]
                   for name, values in series.items()])
    return Section("Saldo", "Saldot är mottagna minus skickade hushåll sedan start. Ingen "
                   "medlem ska under golvet; den som redan är där skickar inte fler än den tar "
                   "emot.", chart, [table])


def _units(figures: Figures, month: str, year: list[str],
           rows: dict[str, list[MemberMonth]]) -> Section:
    cost = {"Hyra för tomma lägenheter (tkr)": [
        sum(r.idle_cost_sek for r in rows[m]) / 1000 for m in year]}
    chart = bar_chart(year, cost, "Kostnad för tomma lägenheter per månad",
                      "Hyran för dagar då utlovade lägenheter stod tomma, hela nätverket, i "
                      "tusental kronor.")
    table = Table(f"Lägenheter per medlem, {month}",
                  ["Medlem", "Nya", "I poolen", "Stod tomma", "Tomdagar", "Per lägenhet",
                   "Hyra tomdagar (kr)", "Bär kostnad (kr)"],
                  [[_name(figures, r.member), r.units_pledged, r.units_available, r.idle_units,
                    round(r.idle_days), r.idle_days_per_unit, r.idle_cost_sek,
                    r.cost_carried_sek]
                   for r in rows[month]])
    return Section("Lägenheter och tomma lägenheters kostnad",
                   "En lägenhet står tom från att den läggs ut tills den hyrs ut eller dras "
                   "tillbaka; kostnaden är hyran för de dagarna. Kostnaden bärs av "
                   f"{RULES.get(figures.cost_rule, figures.cost_rule)}.", chart, [table])


def _days(value: float | None) -> Cell:
    return FEWER if value is None else round(value)


def _waits(figures: Figures, month: str, year: list[str]) -> Section:
    waits = {(w.month, w.urgency): w for w in figures.waits}
    series: dict[str, list[float | None]] = {
        URGENCY[u]: [waits[m, u].move_median for m in year] for u in URGENCY}
    chart = line_chart(year, series, "Dagar till inflyttning (median)",
                       "Median antal dagar från att ärendet lades in till inflyttning, per "
                       "brådska.")
    table = Table(f"Väntetider i dagar, {month}",
                  ["Brådska", "Första förslag: antal", "median", "90:e percentil",
                   "Inflyttning: antal", "median", "90:e percentil"],
                  [[URGENCY[u], waits[month, u].proposal_n,
                    _days(waits[month, u].proposal_median), _days(waits[month, u].proposal_p90),
                    waits[month, u].move_n, _days(waits[month, u].move_median),
                    _days(waits[month, u].move_p90)] for u in URGENCY])
    return Section("Väntetider", "Från att ärendet lades in till första förslaget och till "
                   "inflyttning (det undertecknade kontraktet), för hushåll vars förslag eller "
                   "inflyttning föll i månaden.", chart, [table])


def _declines(figures: Figures, month: str, year: list[str]) -> Section:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for d in figures.declines:
        counts[d.month, d.reason] += d.count
    chart = bar_chart(year, {REASONS[r]: [counts[m, r] for m in year] for r in REASONS},
                      "Skäl att tacka nej", "Antal förslag som hushållen tackat nej till, per "
                      "skäl och månad, hela nätverket.")
    table = Table(f"Skäl att tacka nej, {month}", ["Skäl", "Antal"],
                  [[REASONS[r], counts[month, r]] for r in REASONS])
    return Section("Skäl att tacka nej", "Ett nej kostar aldrig hushållet något; skälen visar "
                   "vad som inte passar.", chart, [table])


def _forecast(figures: Figures, forecast: Forecast | None) -> Section:
    if forecast is None:
        return Section("Prognos", "Ingen prognos: den kräver minst tolv månaders historik.",
                       None)
    months = sorted({line.month for line in forecast.lines})
    totals: dict[str, list[float]] = {URGENCY[u]: [0.0] * len(months) for u in URGENCY}
    per_member: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0, 0])
    for line in forecast.lines:
        totals[URGENCY[line.urgency]][months.index(line.month)] += line.expected
        cell = per_member[line.member, line.month]
        cell[0] += line.expected
        cell[1] += line.low
        cell[2] += line.high
    chart = bar_chart(months, totals, "Prognos: nya ärenden per brådska",
                      "Prognos, inte utfall: väntat antal nya ärenden de kommande månaderna.",
                      number="{:.1f}")
    table = Table(f"Prognos från {forecast.made_from}: nya ärenden (intervall)",
                  ["Medlem", *months],
                  [[_name(figures, code), *(f"{per_member[code, m][0]:.1f} "
                                            f"({per_member[code, m][1]:.0f}–"
                                            f"{per_member[code, m][2]:.0f})" for m in months)]
                   for code in figures.members])
    return Section("Prognos (inte utfall)", "En prognos av nya ärenden, med ett intervall som "
                   "rymmer utfallet ungefär fyra gånger av fem (för varje brådska för sig; här "
                   "summerade).", chart, [table])


def _plan(figures: Figures, plan: PledgePlan, month: str) -> Section:
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for target in plan.targets:
        cell = rows[target.member]
        for i, value in enumerate((target.available, target.pledged_last_month, target.month,
                                   target.quarter)):
            cell[i] += value
    table = Table("Förslag till nya löften", ["Medlem", "I poolen", f"Nya i {month}",
                                                "Mål nästa månad", "Mål kvartalet"],
                  [[_name(figures, m), *values] for m, values in rows.items()])
    return Section("Löftesplan", "Hur många lägenheter varje medlem föreslås lägga ut, så att "
                   "väntade akuta och brådskande hushåll kan få förslag i en omgång och alla "
                   "håller sig inom toleransen; byggd på prognosen.", None, [table])
