"""The monthly report as a PDF (WeasyPrint, with its charts) or a workbook (openpyxl, one sheet
per table). Pure: a report in, bytes out."""

from __future__ import annotations

import io
import logging
from importlib.resources import files

from jinja2 import Environment, FileSystemLoader, select_autoescape

from exchange.services.health.report import Cell, Report

_env = Environment(loader=FileSystemLoader(str(files("exchange.services.health") / "templates")),
                   autoescape=select_autoescape(["html"]))


def number(cell: Cell) -> str:
    """A count as Swedish writes it: 11 880 and 1,5 (a word stays as it is)."""
    if isinstance(cell, str):
        return cell
    text = f"{cell:,.0f}" if isinstance(cell, int) or float(cell).is_integer() else f"{cell:,.1f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def to_pdf(report: Report) -> bytes:
    """The report as a PDF of A4 pages."""
    from weasyprint import HTML  # imported here: it takes a second to load, only reports need it

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html = _env.get_template("report.html").render(report=report, number=number)
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def to_xlsx(report: Report) -> bytes:
    """The report as a workbook: one sheet per table, its title in the first row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for section in report.sections:
        for table in section.tables:
            sheet = book.create_sheet(_sheet_name(table.title, taken))
            sheet.append([table.title])
            sheet["A1"].font = Font(bold=True)
            sheet.append(table.columns)
            for row in table.rows:
                sheet.append(row)
            for cell in sheet[2]:
                cell.font = Font(bold=True)
            sheet.column_dimensions["A"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join(c for c in title.split(",")[0] if c not in "[]:*?/\\")[:28].strip()
    name, n = base, 2
    while name in taken:
        name, n = f"{base[:26]} {n}", n + 1
    taken.add(name)
    return name
