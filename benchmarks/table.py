"""The benchmark table, as Markdown: readable in a terminal and pasted as is into the docs."""

from __future__ import annotations

from typing import Any

HEADER = ("round (cases x units)", "method", "acute", "high", "normal", "share of LP bound",
          "proven", "eligible pairs", "build s", "solve s", "peak MB")


def render(rows: list[dict[str, Any]]) -> str:
    """One line per measured method; `share` is placed / LP bound per tier (acute/high/normal)."""
    bounds = {row["size"]: row["bounds"] for row in rows if "bounds" in row}
    lines = [_line(HEADER), _line(tuple("---" for _ in HEADER))]
    for row in rows:
        lines.append(_line(_cells(row, bounds.get(row["size"]))))
    return "\n".join(lines)


def _cells(row: dict[str, Any], bound: list[float] | None) -> tuple[str, ...]:
    if "note" in row:
        return (row["size"], row["method"], row["note"], *("" for _ in HEADER[3:]))
    if "bounds" in row:
        counts = ["not finished" if b is None else f"{b:,.2f}" for b in row["bounds"]]
    else:
        counts = [f"{n:,}" for n in row["placed"]]
    return (row["size"], row["method"], *counts, _share(row, bound), _proven(row),
            f"{row['pairs']:,}", f"{row['build_s']:.2f}", f"{row['solve_s']:.2f}",
            f"{row['peak_mb']:,.0f}")


def _share(row: dict[str, Any], bound: list[float] | None) -> str:
    if bound is None or "placed" not in row:
        return ""
    return " / ".join(f"{100 * n / b:.1f} %" if b else "-"  # no bound, or nothing to place
                      for n, b in zip(row["placed"], bound, strict=True))


def _proven(row: dict[str, Any]) -> str:
    if "proven" not in row:
        if "bounds" in row:
            return "bound"
        broken = row.get("broken", 0)
        return "- (every rule kept)" if broken == 0 else f"- ({broken} rules broken!)"
    if row["proven"]:
        return "yes"
    bounds = row.get("engine_bounds")
    if bounds and None not in bounds:  # the engine's own bounds, school places counted
        return "no; at most " + " / ".join(f"{b:,}" for b in bounds)
    return "no"


def _line(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"
