"""What is left of a mark whose glyphs the frame's edge cuts through: the OCR cannot read
half-glyphs, but their columns of ink keep the glyphs' widths. The line that touches the
bottom edge is split into columns and compared with a vendor's measured columns
(formats/visible_marks.py `Columns`)."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Protocol

import numpy as np

MIN_LIFT = 12.0  # grey levels a glyph stands above its background, at least
MIN_HEIGHT = 4  # px: less is not a line of glyphs
LINE_ROW = 0.15  # a row holds the line while its ink is this share of the edge rows'
LINE_COLUMN = 0.1  # a column is the line's where this share of the line's rows is ink


class Columns(Protocol):
    """A mark's glyph columns (formats/visible_marks.py holds the vendors'): widths and the
    whole span in units of the median column's width, each a range; the gaps between
    columns; the whole mark's height in the same unit."""

    @property
    def widths(self) -> tuple[tuple[float, float], ...]: ...
    @property
    def span(self) -> tuple[float, float]: ...
    @property
    def gaps(self) -> tuple[float, float]: ...
    @property
    def height(self) -> float: ...


@dataclass(frozen=True)
class Fragment:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the map's pixels
    widths: tuple[int, ...]  # the columns' widths, px
    whole_height: float  # the mark's height had it not been cut, px (from its columns)


def _runs(on: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Runs of True, joining runs that are at most `gap` apart: (first, last) indexes."""
    out: list[tuple[int, int]] = []
    for i in np.flatnonzero(on):
        if out and i - out[-1][1] <= gap:
            out[-1] = (out[-1][0], int(i))
        else:
            out.append((int(i), int(i)))
    return out


def at_bottom_edge(hat: np.ndarray, columns: Columns) -> Fragment | None:
    """The line of light glyphs touching the map's bottom row, if its columns are the
    vendor's and the glyphs are cut (shorter than the whole mark)."""
    ink = hat > max(MIN_LIFT, 0.4 * float(np.percentile(hat, 99.5)))
    per_row = ink.sum(axis=1)
    base = int(per_row[-3:].max())
    if base == 0:
        return None
    height = 0
    for count in per_row[::-1]:  # up from the edge while the line goes on (specks do not)
        if count < LINE_ROW * base:
            break
        height += 1
    if height < MIN_HEIGHT or height == ink.shape[0]:
        return None
    band = ink[-height:]
    # a column is ink where the line's glyphs are, not where a speck of texture is
    on = band.sum(axis=0) >= max(2, LINE_COLUMN * height)
    runs = _runs(np.asarray(on), max(2, round(height * 0.08)))
    edge = band[-1]
    n = len(columns.widths)
    tried: set[int] = set()
    for j, (a, b) in enumerate(runs):
        if not edge[a : b + 1].any():
            continue  # this column stops short of the edge
        for i in range(max(0, j - n + 1), j + 1):  # the windows of n columns that hold it
            if i in tried or i + n > len(runs):
                continue
            tried.add(i)
            group = runs[i : i + n]
            widths = tuple(b2 - a2 + 1 for a2, b2 in group)
            unit = median(widths)
            if _fits(group, widths, unit, columns) and height < 0.9 * columns.height * unit:
                bottom = ink.shape[0]
                box = (group[0][0], bottom - height, group[-1][1] + 1, bottom)
                return Fragment(box, widths, columns.height * unit)
    return None


def _fits(
    group: list[tuple[int, int]], widths: tuple[int, ...], unit: float, columns: Columns
) -> bool:
    gaps = [group[k + 1][0] - group[k][1] - 1 for k in range(len(group) - 1)]
    span = (group[-1][1] - group[0][0] + 1) / unit
    return (
        all(lo <= w / unit <= hi for w, (lo, hi) in zip(widths, columns.widths, strict=True))
        and all(columns.gaps[0] <= g / unit <= columns.gaps[1] for g in gaps)
        and columns.span[0] <= span <= columns.span[1]
    )
