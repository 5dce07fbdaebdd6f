"""Percentiles and the tables every section prints (each figure beside its floor)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ratio(value: float, floor: float | None) -> float | None:
    if floor is None or floor == 0 or math.isnan(floor) or math.isnan(value):
        return None
    return value / floor


@dataclass(frozen=True)
class Row:
    """One figure: its value, the floor it is compared with, and the target if any."""

    figure: str
    value: float
    unit: str
    floor: float | None = None
    floor_name: str = ""
    target: str = ""
    ok: bool | None = None

    @property
    def ratio(self) -> float | None:
        return ratio(self.value, self.floor)


def fmt(value: float | None, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "—"
    if unit == "ms":
        text = f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"
    elif unit in ("x", "×"):
        return f"{value:.2f}×"
    elif abs(value) >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def render(title: str, rows: Sequence[Row]) -> str:
    header = ("figure", "value", "floor", "ratio", "target", "")
    lines = [
        (
            r.figure,
            fmt(r.value, r.unit),
            f"{fmt(r.floor, r.unit)} {r.floor_name}".strip() if r.floor is not None else "—",
            fmt(r.ratio, "×"),
            r.target or "",
            {True: "ok", False: "MISSED", None: ""}[r.ok],
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]
    out = [f"\n## {title}\n"]
    for line in (header, tuple("-" * w for w in widths), *lines):
        out.append("| " + " | ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)))
    return "\n".join(out)
