"""The rounds benchmarked: fixed seeds on real geography, named by network."""

from __future__ import annotations

from dataclasses import dataclass

SEED = 2026


@dataclass(frozen=True)
class Size:
    """A generated round: `region` as in `exchange.generate`, with so many cases and units."""

    region: str
    cases: int
    units: int

    @property
    def label(self) -> str:
        return f"{self.region} {self.cases:,} x {self.units:,}"


SIZES = {
    "sodertorn": Size("sodertorn", 300, 300),
    "stockholm": Size("stockholm", 2_000, 2_000),
    "sweden": Size("sweden", 10_000, 10_000),
}


def parse_size(text: str) -> Size:
    """A named size (`sodertorn`, `stockholm`, `sweden`) or `REGION:CASESxUNITS`."""
    if text in SIZES:
        return SIZES[text]
    region, _, dims = text.partition(":")
    cases, _, units = dims.partition("x")
    if not (cases.isascii() and cases.isdigit() and units.isascii() and units.isdigit()):
        raise ValueError(f"unknown size {text!r}: use {', '.join(SIZES)} or REGION:CASESxUNITS")
    return Size(region, int(cases), int(units))
