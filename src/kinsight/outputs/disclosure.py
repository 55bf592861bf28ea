"""Statistical disclosure control for every figure that leaves the warehouse.

Three steps, in the order DfE and ONS apply them:

1. **Primary suppression**: a count of at least 1 and below the threshold of the output class
   (default 10, as ONS and ACRO use; a research output takes its agreement's threshold) is
   replaced by ``c``. True zeros stay 0 (DfE: "only true zeros are shown as 0").
2. **Secondary (complementary) suppression**: a table's cells are tied together by its totals
   (a row of a cross-tab adds up to its row total; the levels of a breakdown add up to the
   LA figure). A suppressed cell that is the only one hidden in such a line could be
   recovered by subtraction, so more cells are hidden until no line has exactly one hidden
   cell, and then each hidden cell is checked with a linear programme: the smallest and the
   largest value it can take given everything published and that counts are not negative.
   If the two are equal the cell is recoverable, and another cell on one of its lines is
   hidden. Cells chosen for secondary suppression are the smallest non-zero ones, so as
   little as possible is lost.
3. **Rounding** (optional, per output class) of the published counts to a base, with ``k``
   for a non-zero count that rounds to zero.

Symbols follow DfE (ui-conventions §3.4): ``c`` suppressed, ``k`` rounds to zero but is not
zero, ``u`` low reliability, ``x`` unavailable, ``z`` not applicable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from kinsight.core.errors import KinsightError

SUPPRESSED, ROUNDS_TO_ZERO, LOW_RELIABILITY, UNAVAILABLE, NOT_APPLICABLE = "c", "k", "u", "x", "z"
SYMBOLS = (SUPPRESSED, ROUNDS_TO_ZERO, LOW_RELIABILITY, UNAVAILABLE, NOT_APPLICABLE)
#: Labels that mark a margin in a cross-tab (pandas ``margins_name`` default is ``All``).
MARGIN_LABELS = ("Total", "All")


@dataclass(frozen=True)
class Rules:
    """The disclosure rules of one output class."""

    output_class: str
    threshold: int = 10
    rounding_base: int | None = None
    #: Percentages and means on fewer units than this are marked ``u`` (None: never).
    reliability_threshold: int | None = None


#: Output classes and their default rules. Research outputs take the threshold (and rounding)
#: of their data sharing agreement: pass them to :func:`rules_for`.
OUTPUT_CLASSES: dict[str, Rules] = {
    "official_statistics": Rules("official_statistics", threshold=10),
    "management_information": Rules("management_information", threshold=10),
    "dashboard": Rules("dashboard", threshold=10),
    "research": Rules("research", threshold=10, rounding_base=5),
}


def rules_for(output_class: str | Rules, *, threshold: int | None = None,
              rounding_base: int | None = None) -> Rules:
    """The rules for an output class, with an agreement's own threshold or rounding if given."""
    if isinstance(output_class, Rules):
        rules = output_class
    elif output_class in OUTPUT_CLASSES:
        rules = OUTPUT_CLASSES[output_class]
    else:
        raise KinsightError(
            f"unknown output class {output_class!r}: choose one of {', '.join(OUTPUT_CLASSES)}"
        )
    if threshold is not None:
        if threshold < 1:
            raise KinsightError(f"disclosure threshold must be at least 1, not {threshold}")
        rules = replace(rules, threshold=threshold)
    if rounding_base is not None:
        rules = replace(rules, rounding_base=rounding_base)
    return rules


@dataclass(frozen=True)
class Line:
    """An additive relation a reader knows: ``values[total] == sum(values[parts])``."""

    total: int
    parts: tuple[int, ...]

    @property
    def cells(self) -> tuple[int, ...]:
        return (self.total, *self.parts)


def primary_mask(values: np.ndarray, threshold: int) -> np.ndarray:
    """Counts of 1 up to threshold − 1 (zeros are published)."""
    return (values > 0) & (values < threshold)


def _choose(values: np.ndarray, candidates: Sequence[int], totals: set[int],
            lines: Sequence[Line], mask: np.ndarray) -> int:
    """The cheapest cell to hide: an inner cell before a total; then one that also protects
    other lines with a single hidden cell (so a rectangle forms instead of a cascade); then
    non-zero (a hidden zero next to a hidden cell pins it); then the smallest."""
    lonely = [line for line in lines if sum(mask[c] for c in line.cells) == 1]

    def helps(cell: int) -> int:
        return sum(cell in line.cells for line in lonely)

    return min(candidates, key=lambda i: (i in totals, -helps(i), values[i] == 0, values[i], i))


def _hide(mask: np.ndarray, cell: int, groups: dict[int, tuple[int, ...]]) -> None:
    for member in groups.get(cell, (cell,)):
        mask[member] = True


def feasible_range(values: np.ndarray, lines: Sequence[Line], hidden: np.ndarray,
                   cell: int) -> tuple[float, float]:
    """The least and greatest value a hidden cell can take, knowing every published cell, every
    line and that counts are not negative (what an intruder can work out)."""
    unknown = np.flatnonzero(hidden)
    position = {c: i for i, c in enumerate(unknown)}
    rows, rhs = [], []
    for line in lines:
        coefficients = np.zeros(len(unknown))
        constant = 0.0
        for c, sign in [(line.total, -1.0)] + [(p, 1.0) for p in line.parts]:
            if c in position:
                coefficients[position[c]] += sign
            else:
                constant += sign * values[c]
        if coefficients.any():
            rows.append(coefficients)
            rhs.append(-constant)
    objective = np.zeros(len(unknown))
    objective[position[cell]] = 1.0
    if not rows:
        return 0.0, float("inf")
    bounds = [(0, None)] * len(unknown)
    low = linprog(objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds, method="highs")
    upper = -high.fun if high.status == 0 else float("inf")
    return (low.fun if low.status == 0 else 0.0), upper


def suppress(values: Sequence[float], lines: Sequence[Line], threshold: int, *,
             groups: Sequence[Sequence[int]] = (), primary: np.ndarray | None = None,
             hideable: np.ndarray | None = None) -> np.ndarray:
    """Which cells to hide: primary suppression, then complementary suppression until no hidden
    cell can be recovered exactly from the lines. ``groups`` are cells hidden together (the
    numerator and denominator of one row); cells not ``hideable`` (totals a reader knows from
    elsewhere) are never chosen as complements."""
    values = np.asarray(values, dtype=float)
    group_of = {cell: tuple(group) for group in groups for cell in group}
    can_hide = np.ones(len(values), dtype=bool) if hideable is None else hideable
    mask = primary_mask(values, threshold) if primary is None else primary.copy()
    mask &= can_hide
    for cell in np.flatnonzero(mask):
        _hide(mask, cell, group_of)
    totals = {line.total for line in lines}

    def choose(candidates) -> None:
        _hide(mask, _choose(values, candidates, totals, lines, mask), group_of)

    while True:
        changed = False
        for line in lines:
            hidden = [c for c in line.cells if mask[c]]
            candidates = [c for c in line.cells if not mask[c] and can_hide[c]]
            if len(hidden) == 1 and candidates:
                choose(candidates)
                changed = True
        if changed:
            continue
        if _is_star(lines):
            # Lines that meet only in one shared total (a breakdown's levels adding up to the
            # LA figure): two hidden cells on every line already leave each of them free.
            return mask
        exposed = next(
            (c for c in np.flatnonzero(mask)
             if (lambda r: r[1] - r[0] < 0.5)(feasible_range(values, lines, mask, c))),
            None,
        )
        if exposed is None:
            return mask
        near = {c for line in lines if exposed in line.cells for c in line.cells}
        candidates = sorted(c for c in near if not mask[c] and can_hide[c]) or [
            c for c in range(len(values)) if not mask[c] and can_hide[c]
        ]
        if not candidates:
            return mask  # everything that can be hidden is hidden
        choose(candidates)


def _is_star(lines: Sequence[Line]) -> bool:
    """Whether no line meets other lines in more than one cell (breakdowns of one total)."""
    seen: dict[int, int] = {}
    for line in lines:
        for cell in line.cells:
            seen[cell] = seen.get(cell, 0) + 1
    return all(sum(seen[c] > 1 for c in line.cells) <= 1 for line in lines)


def round_count(value: float, base: int | None) -> int | str:
    """A count rounded to ``base`` (half up), ``k`` if it is not zero but rounds to zero."""
    if base is None or base <= 1:
        return int(value)
    rounded = int(np.floor(value / base + 0.5) * base)
    return ROUNDS_TO_ZERO if rounded == 0 and value > 0 else rounded


# --------------------------------------------------------------------------- cross-tabs


def _margin_positions(labels: Sequence) -> list[int]:
    return [i for i, label in enumerate(labels) if str(label) in MARGIN_LABELS]


def _extended_grid(inner: np.ndarray, shows_row_totals: bool,
                   shows_column_totals: bool) -> tuple[np.ndarray, list[Line], np.ndarray]:
    """The inner cells with their row totals, column totals and grand total appended (the
    last column and row); the lines the table's shown margins make known; and which cells
    the table shows (a margin it does not show is neither known nor hideable)."""
    grid = np.zeros((inner.shape[0] + 1, inner.shape[1] + 1))
    grid[:-1, :-1] = inner
    grid[:-1, -1] = inner.sum(axis=1)
    grid[-1, :-1] = inner.sum(axis=0)
    grid[-1, -1] = inner.sum()
    index = np.arange(grid.size).reshape(grid.shape)
    shown = np.zeros(grid.shape, dtype=bool)
    shown[:-1, :-1] = True
    lines = []
    if shows_row_totals:
        shown[:-1, -1] = True
        lines += [Line(index[i, -1], tuple(index[i, :-1])) for i in range(inner.shape[0])]
    if shows_column_totals:
        shown[-1, :-1] = True
        lines += [Line(index[-1, j], tuple(index[:-1, j])) for j in range(inner.shape[1])]
    if shows_row_totals and shows_column_totals:
        shown[-1, -1] = True
        lines += [Line(index[-1, -1], tuple(index[-1, :-1])),
                  Line(index[-1, -1], tuple(index[:-1, -1]))]
    return grid, lines, shown


def protect(table: pd.DataFrame, output_class: str | Rules = "official_statistics") -> pd.DataFrame:
    """A cross-tab of counts made safe to publish.

    Rows and columns labelled ``Total`` (or ``All``) are its margins, and the protection
    holds against them: include every total that is published anywhere as a margin here
    (differencing against totals published only in other tables is not seen). Returns the
    same shape with
    suppressed cells as ``c`` and, if the rules round, rounded counts.
    """
    rules = rules_for(output_class)
    frame = table.copy()
    if frame.isna().any().any():
        raise KinsightError("protect: the table has empty cells; give every count (0 if none)")
    row_margins = _margin_positions(frame.index)
    column_margins = _margin_positions(frame.columns)
    values = frame.to_numpy(dtype=float)
    inner_rows = [i for i in range(values.shape[0]) if i not in row_margins]
    inner_columns = [j for j in range(values.shape[1]) if j not in column_margins]
    # Work on an extended grid whose last row and column are the margins, known or implied.
    grid, lines, shown = _extended_grid(
        values[np.ix_(inner_rows, inner_columns)], bool(column_margins), bool(row_margins)
    )
    mask = suppress(grid.ravel(), lines, rules.threshold, hideable=shown.ravel())
    hidden = mask.reshape(grid.shape)
    out = frame.astype(object)
    for a, i in enumerate(inner_rows + [None]):
        for b, j in enumerate(inner_columns + [None]):
            rows = [i] if i is not None else row_margins
            columns = [j] if j is not None else column_margins
            for r in rows:
                for c in columns:
                    out.iat[r, c] = (
                        SUPPRESSED if hidden[a, b]
                        else round_count(values[r, c], rules.rounding_base)
                    )
    return out


def recoverable_cells(published: pd.DataFrame, truth: pd.DataFrame) -> list[tuple]:
    """Suppressed cells of a protected cross-tab that a reader could work out exactly from the
    published cells and the (possibly implied) margins. Used by tests and release checks."""
    row_margins = _margin_positions(published.index)
    column_margins = _margin_positions(published.columns)
    inner_rows = [i for i in range(published.shape[0]) if i not in row_margins]
    inner_columns = [j for j in range(published.shape[1]) if j not in column_margins]
    values = truth.to_numpy(dtype=float)[np.ix_(inner_rows, inner_columns)]
    shown = published.to_numpy(dtype=object)[np.ix_(inner_rows, inner_columns)]
    grid, lines, _shown = _extended_grid(values, bool(column_margins), bool(row_margins))
    hidden = np.zeros(grid.shape, dtype=bool)
    hidden[:-1, :-1] = shown == SUPPRESSED
    if row_margins:
        row_shown = published.to_numpy(dtype=object)[row_margins[0], inner_columns]
        hidden[-1, :-1] = row_shown == SUPPRESSED
    if column_margins:
        column_shown = published.to_numpy(dtype=object)[inner_rows, column_margins[0]]
        hidden[:-1, -1] = column_shown == SUPPRESSED
    if row_margins and column_margins:
        hidden[-1, -1] = published.iat[row_margins[0], column_margins[0]] == SUPPRESSED
    flat, mask = grid.ravel(), hidden.ravel()
    found = []
    for cell in np.flatnonzero(mask):
        low, high = feasible_range(flat, lines, mask, cell)
        if high - low < 0.5:
            found.append(tuple(int(v) for v in np.unravel_index(cell, grid.shape)))
    return found


# --------------------------------------------------------------------------- indicator results


def _protect_group(group: pd.DataFrame, rules: Rules, unit: str,
                   distinct_total: bool) -> pd.DataFrame:
    """One indicator in one period: its total row and every breakdown level."""
    counted = unit != "per_10k"  # a rate's denominator is a population, not a count of children
    numerators = group["numerator"].to_numpy(dtype=float)
    denominators = group["denominator"].to_numpy(dtype=float)
    values, gaps = group["value"].to_numpy(dtype=float), group["gap"].to_numpy(dtype=float)
    breakdowns = group["breakdown"].to_numpy()
    n = len(group)
    cells = np.concatenate([numerators, denominators])  # cell i: numerator, n + i: denominator
    primary = np.zeros(2 * n, dtype=bool)
    if unit != "mean":  # a mean's numerator is a sum of scores, not a number of children
        primary[:n] = primary_mask(numerators, rules.threshold)
    if counted:
        primary[n:] = primary_mask(denominators, rules.threshold)
    is_total = breakdowns == "Total"
    total = int(np.flatnonzero(is_total)[0])
    lines = []
    if not distinct_total:
        for name in dict.fromkeys(breakdowns[~is_total]):
            levels = tuple(int(i) for i in np.flatnonzero(breakdowns == name))
            lines.append(Line(total, levels))
            if counted:
                lines.append(Line(n + total, tuple(n + i for i in levels)))
    mask = suppress(cells, lines, rules.threshold, groups=[(i, n + i) for i in range(n)],
                    primary=primary)
    hidden = mask[:n] | mask[n:]

    def counts(raw: np.ndarray) -> list:
        return [round_count(v, rules.rounding_base) for v in raw]

    numerator_out = [round(v, 1) for v in numerators] if unit == "mean" else counts(numerators)
    denominator_out = counts(denominators) if counted else [
        UNAVAILABLE if np.isnan(v) else int(round(v)) for v in denominators
    ]
    value_out: list = list(values)
    for i in np.flatnonzero(np.isnan(values)):
        value_out[i] = NOT_APPLICABLE if denominators[i] == 0 else UNAVAILABLE
    if rules.reliability_threshold and counted:
        for i in np.flatnonzero(denominators < rules.reliability_threshold):
            value_out[i] = LOW_RELIABILITY
    rest_small = (primary_mask(numerators[total] - numerators, rules.threshold)
                  | primary_mask(denominators[total] - denominators, rules.threshold))
    # With a level hidden, a gap and the total together would give it away.
    gap_hidden = np.isin(breakdowns, breakdowns[hidden]) | rest_small
    gap_out: list = [
        NOT_APPLICABLE if is_total[i] or np.isnan(gaps[i])
        else SUPPRESSED if gap_hidden[i] else gaps[i]
        for i in range(n)
    ]
    columns = {"numerator": numerator_out, "denominator": denominator_out, "value": value_out,
               "gap": gap_out}
    out = group.copy()
    for name, column in columns.items():
        column = np.array(column, dtype=object)
        column[hidden] = SUPPRESSED
        out[name] = column
    return out


def protect_results(results: pd.DataFrame, output_class: str | Rules = "official_statistics",
                    *, threshold: int | None = None) -> pd.DataFrame:
    """Indicator results (from :func:`kinsight.analysis.compute`) made safe to leave the
    warehouse: counts below the threshold hidden with the complementary cells that would give
    them away through the LA total, rates, percentages and gaps hidden with them, symbols in
    the cells. Drops the ``children`` column (a count used only inside the warehouse)."""
    from kinsight.analysis.catalogue import library  # outputs sit right of analysis

    rules = rules_for(output_class, threshold=threshold)
    indicators = library().indicators
    protected = []
    for (indicator_id, _period), group in results.groupby(["indicator_id", "period"], sort=False):
        item = indicators[indicator_id]
        protected.append(_protect_group(group, rules, item.unit, item.distinct_total))
    if not protected:
        return results.drop(columns=["children"], errors="ignore")
    return pd.concat(protected).loc[results.index].drop(columns=["children"])


def protect_comparators(compared: pd.DataFrame, protected: pd.DataFrame) -> pd.DataFrame:
    """Comparators (from :func:`kinsight.analysis.comparators.comparators`) with the LA's own
    value taken from the protected results; where that value is hidden, its quartile band,
    rank and direction of travel are hidden too, since each would narrow it down. Published
    comparator values are already public."""
    headline = protected[protected["breakdown"] == "Total"].set_index(["indicator_id", "period"])
    out = compared.copy().astype({"la_value": object, "quartile_band": object, "rank": object,
                                  "direction": object})
    for index, row in compared.iterrows():
        own = headline.loc[(row["indicator_id"], row["period"]), "value"]
        out.at[index, "la_value"] = own
        if isinstance(own, str):
            out.loc[index, ["quartile_band", "rank", "direction"]] = own
    return out
