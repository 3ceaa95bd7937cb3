"""Statistical disclosure control: pure functions over exact counts.

The rule (stated in every manifest and ``datapackage.json``; see ``disclosure-control.md``):

1. 0 stays 0. A count from 1 to ``threshold - 1`` is suppressed (``c``): *primary* suppression.
2. A count of ``threshold`` or more is rounded to the nearest ``base`` (half up; base 1: not rounded).
   Totals are computed from the exact data and then rounded on their own.
3. Dominance: where every unit behind a (non-zero) total falls in one category of a sensitive
   breakdown, all of that breakdown's cells for that total are suppressed, zeros too, since "all 9
   families were in financial hardship" discloses hardship for anyone known to be supported.
4. Secondary suppression: no hidden cell may be worked out from the published cells and totals of the
   lines it takes part in, across all tables (a cell shared by two tables is one cell). For each
   protected fact (a primary cell's value; a dominant cell being equal to its total) we look for a
   second complete table, consistent with every line and every published value (a rounded value
   stands for its whole rounding interval), in which that fact is different. When none is found we
   suppress the smallest published non-zero cell sharing a line with it (a total only when no cell
   will do) and look again. A table the search finds is checked against every line, so a fact it
   calls protected is protected; when it gives up, it suppresses more. With rounding this rarely
   fires (a published zero next to a dominance-suppressed line can need it); with base 1 it is the
   main protection.

The intruder model for step 4: they know every published value (a rounded one to within its rounding
interval), how every line adds up (exactly, or as a union), and for every hidden cell whether it is
zero (stronger than the truth: hidden zeros are only possible under dominance). Secondary suppression
never hides a zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from setting_app.domain.errors import ValidationError
from setting_app.services.la_export.spec import CellKey, Line

SUPPRESSED = "c"
UNAVAILABLE = "x"
NOT_APPLICABLE = "z"
LOW = "low"
SYMBOLS: tuple[str, ...] = (SUPPRESSED, UNAVAILABLE, NOT_APPLICABLE, LOW)
#: What Frictionless reads as "no value": EES symbols, and empty.
MISSING_VALUES: tuple[str, ...] = ("", *SYMBOLS)

DEFAULT_THRESHOLD = 8
DEFAULT_BASE = 5
MIN_THRESHOLD, MAX_THRESHOLD = 5, 10
MIN_BASE, MAX_BASE = 1, 10
#: Medians are shown only over this many referrals or more.
MIN_DENOMINATOR = 10

_BIG = 10**9


class Reason(StrEnum):
    PRIMARY = "primary"
    DOMINANCE = "dominance"
    SECONDARY = "secondary"

    @property
    def explanation(self) -> str:
        return {
            Reason.PRIMARY: "small count",
            Reason.DOMINANCE: "all in one category",
            Reason.SECONDARY: "would reveal another hidden cell",
        }[self]


def round_half_up(n: int, base: int) -> int:
    """Round a non-negative count to the nearest multiple of ``base``, halves going up."""
    return ((2 * n + base) // (2 * base)) * base


@dataclass(frozen=True)
class SdcParams:
    threshold: int = DEFAULT_THRESHOLD
    base: int = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not isinstance(self.threshold, int) or not MIN_THRESHOLD <= self.threshold <= MAX_THRESHOLD:
            raise ValidationError(
                "threshold", f"must be a whole number from {MIN_THRESHOLD} to {MAX_THRESHOLD}"
            )
        if not isinstance(self.base, int) or not MIN_BASE <= self.base <= MAX_BASE:
            raise ValidationError(
                "rounding base", f"must be a whole number from {MIN_BASE} to {MAX_BASE} (1: no rounding)"
            )

    @property
    def smallest_published(self) -> int:
        """The smallest non-zero value a published count can have."""
        return round_half_up(self.threshold, self.base)

    def allows(self, value: int) -> bool:
        """The receiver's re-check: 0, or a multiple of ``base`` no smaller than the rounded threshold."""
        return value == 0 or (value >= self.smallest_published and value % self.base == 0)

    def publish(self, exact: int) -> int | str:
        if exact == 0:
            return 0
        if exact < self.threshold:
            return SUPPRESSED
        return round_half_up(exact, self.base)

    def published_range(self, value: int) -> tuple[int, int]:
        """The exact counts a published (not suppressed) value can stand for."""
        if value == 0:
            return (0, 0)
        return (max(self.threshold, value - self.base // 2), value + (self.base + 1) // 2 - 1)

    def describe(self) -> str:
        rounding = "not rounded" if self.base == 1 else f"rounded to the nearest {self.base}"
        text = (
            f"0 stays 0; counts from 1 to {self.threshold - 1} are suppressed (c); {self.threshold} and above are "
            f"{rounding}; totals are computed from exact data, then controlled on their own; where all families "
            "behind a total fall in one category of a sensitive breakdown (need domain, activity, service "
            "category, outcome) that breakdown's cells are suppressed; medians only over 10 or more referrals; "
            "no sensitive cross-tabulations; secondary suppression of further non-zero cells wherever a "
            "suppressed cell could otherwise be worked out from the lines it takes part in."
        )
        return text


@dataclass(frozen=True)
class SdcResult:
    params: SdcParams
    exact: Mapping[CellKey, int]
    published: Mapping[CellKey, int | str]
    reasons: Mapping[CellKey, Reason]

    @property
    def suppressed_count(self) -> int:
        return len(self.reasons)

    def count_by_reason(self) -> dict[Reason, int]:
        counts = {r: 0 for r in Reason}
        for reason in self.reasons.values():
            counts[reason] += 1
        return counts


def apply_sdc(exact: Mapping[CellKey, int], lines: Iterable[Line], params: SdcParams) -> SdcResult:
    lines = tuple(lines)
    reasons: dict[CellKey, Reason] = {}
    for key, value in exact.items():
        if value < 0:
            raise ValueError(f"negative count for {key}")
        if 0 < value < params.threshold:
            reasons[key] = Reason.PRIMARY
    for line in dominated_lines(exact, lines):
        for cell in line.cells:
            reasons.setdefault(cell, Reason.DOMINANCE)
    _hide_breakdowns_of_hidden(lines, reasons)
    _secondary_suppression(exact, lines, params, reasons)
    published = {key: SUPPRESSED if key in reasons else params.publish(v) for key, v in exact.items()}
    return SdcResult(params, dict(exact), published, reasons)


def _hide_breakdowns_of_hidden(lines: tuple[Line, ...], reasons: dict[CellKey, Reason]) -> None:
    """A cell hidden for dominance takes its own breakdowns with it: otherwise, say, the published zeros
    of a domain's activity types would show that the domain's hidden total is zero."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            if reasons.get(line.total) is Reason.DOMINANCE:
                for cell in line.cells:
                    if cell not in reasons:
                        reasons[cell] = Reason.DOMINANCE
                        changed = True


def dominated_lines(exact: Mapping[CellKey, int], lines: Iterable[Line]) -> list[Line]:
    """Sensitive lines where every unit behind the (non-zero) total falls in one category."""
    found = []
    for line in lines:
        total = exact.get(line.total, 0)
        dominant = any(exact.get(c, 0) == total for c in line.cells if c not in line.dominance_exempt)
        if line.sensitive and total > 0 and dominant:
            found.append(line)
    return found


# --- can a hidden cell be worked out? ----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A protected fact: ``cell`` can take another value; or (dominance) ``cell`` can be below ``total``."""

    cell: CellKey
    total: CellKey | None = None


def intruder_domains(
    exact: Mapping[CellKey, int],
    published: Mapping[CellKey, int | str],
    params: SdcParams,
    *,
    hidden_prior: Mapping[CellKey, tuple[int, int]] | None = None,
) -> dict[CellKey, tuple[int, int]]:
    """What an intruder knows of each cell before using the lines: an exact value, a rounding interval,
    or for a hidden cell ``[0 or 1, unbounded)`` (unless ``hidden_prior`` says otherwise)."""
    domains = {}
    for key, value in published.items():
        if isinstance(value, int):
            domains[key] = params.published_range(value)
        elif hidden_prior and key in hidden_prior:
            domains[key] = hidden_prior[key]
        else:
            domains[key] = (1 if exact.get(key, 0) > 0 else 0, _BIG)
    return domains


def protection_targets(
    exact: Mapping[CellKey, int], lines: Iterable[Line], reasons: Mapping[CellKey, Reason]
) -> list[Target]:
    targets = [Target(k) for k in sorted(reasons) if reasons[k] is Reason.PRIMARY]
    for line in dominated_lines(exact, lines):
        total = exact[line.total]
        for cell in line.cells:
            if exact.get(cell, 0) == total and cell not in line.dominance_exempt:
                targets.append(Target(cell, line.total))
    return targets


def unprotected(
    exact: Mapping[CellKey, int],
    lines: Iterable[Line],
    domains: Mapping[CellKey, tuple[int, int]],
    targets: Iterable[Target],
) -> list[Target]:
    """The targets for which no other complete table fits what is published."""
    solver = _Witness(exact, tuple(lines), domains)
    return [t for t in targets if solver.find(t) is None]


def _secondary_suppression(
    exact: Mapping[CellKey, int], lines: tuple[Line, ...], params: SdcParams, reasons: dict[CellKey, Reason]
) -> None:
    lines_of = _lines_by_cell(lines)
    pending = protection_targets(exact, lines, reasons)
    while pending:
        published = {k: SUPPRESSED if k in reasons else params.publish(v) for k, v in exact.items()}
        domains = intruder_domains(exact, published, params)
        pending = unprotected(exact, lines, domains, pending)
        if not pending:
            return
        target = pending[0]
        choice = _cell_to_hide(exact, lines_of, reasons, target)
        if choice is None:  # everything around it is hidden already: nothing more can help
            pending = pending[1:]
            continue
        reasons[choice] = Reason.SECONDARY


def _cell_to_hide(
    exact: Mapping[CellKey, int],
    lines_of: Mapping[CellKey, list[Line]],
    reasons: Mapping[CellKey, Reason],
    target: Target,
) -> CellKey | None:
    """The smallest published non-zero cell sharing a line with the target (a total only when no cell
    will do: totals are what authorities use most), searching outwards through hidden cells."""
    totals = {line.total for lines in lines_of.values() for line in lines}
    seen: set[CellKey] = set()
    frontier = [target.cell] + ([target.total] if target.total else [])
    while frontier:
        candidates: list[tuple[bool, int, CellKey]] = []
        next_frontier: list[CellKey] = []
        for key in frontier:
            if key in seen:
                continue
            seen.add(key)
            for line in lines_of.get(key, ()):
                for member in (*line.cells, line.total):
                    if member in reasons:
                        next_frontier.append(member)
                    elif exact.get(member, 0) > 0:
                        candidates.append((member in totals, exact[member], member))
        if candidates:
            return min(candidates)[2]
        frontier = next_frontier
    return None


def _lines_by_cell(lines: Iterable[Line]) -> dict[CellKey, list[Line]]:
    index: dict[CellKey, list[Line]] = {}
    for line in lines:
        for key in (*line.cells, line.total):
            index.setdefault(key, []).append(line)
    return index


class _Witness:
    """Looks for a complete table consistent with every line and every published value in which a
    target differs from the truth. Cells are interval domains; the search changes only a growing set
    of unknown cells near the target and keeps every other cell at its true value, so whatever it
    finds is a genuine alternative table."""

    NODE_LIMIT = 4000
    SPREAD = 12  # how far from its true value a free cell may move

    def __init__(
        self,
        exact: Mapping[CellKey, int],
        lines: tuple[Line, ...],
        domains: Mapping[CellKey, tuple[int, int]],
    ) -> None:
        self.exact = exact
        self.lines = lines
        self.domains = domains
        self.lines_of = _lines_by_cell(lines)

    def _value(self, key: CellKey) -> int:
        return self.exact.get(key, 0)

    def _is_free(self, key: CellKey) -> bool:
        lo, hi = self.domains.get(key, (self._value(key), self._value(key)))
        return lo < hi

    def find(self, target: Target) -> dict[CellKey, int] | None:
        start = {target.cell} | ({target.total} if target.total else set())
        free = {k for k in start if self._is_free(k)}
        if not free:
            return None
        while True:
            found = self._search(free, target)
            if found is not None:
                return found
            grown = set(free)
            for key in free:
                for line in self.lines_of.get(key, ()):
                    grown.update(m for m in (*line.cells, line.total) if self._is_free(m))
            if grown == free:
                return None
            free = grown

    def _search(self, free: set[CellKey], target: Target) -> dict[CellKey, int] | None:
        lines = {id(line): line for key in free for line in self.lines_of.get(key, ())}.values()
        lines = tuple(lines)
        base: dict[CellKey, list[int]] = {}
        for line in lines:
            for key in (*line.cells, line.total):
                if key in free:
                    lo, hi = self.domains[key]
                    v = self._value(key)
                    base[key] = [max(lo, v - self.SPREAD), min(hi, v + self.SPREAD)]
                else:
                    v = self._value(key)
                    base[key] = [v, v]
        for key in (target.cell, target.total):
            if key is not None and key not in base:
                v = self._value(key)
                base[key] = [v, v]
        budget = [self.NODE_LIMIT]
        if target.total is None:
            v = self._value(target.cell)
            for lo, hi in ((v + 1, base[target.cell][1]), (base[target.cell][0], v - 1)):
                if lo > hi:
                    continue
                trial = {k: list(d) for k, d in base.items()}
                trial[target.cell] = [lo, hi]
                found = self._dfs(trial, lines, target, budget)
                if found is not None:
                    return found
            return None
        return self._dfs(base, lines, target, budget)

    def _propagate(self, dom: dict[CellKey, list[int]], lines: tuple[Line, ...], target: Target) -> bool:
        return tighten(dom, lines, below=(target.cell, target.total) if target.total is not None else None)

    def _dfs(
        self, dom: dict[CellKey, list[int]], lines: tuple[Line, ...], target: Target, budget: list[int]
    ) -> dict[CellKey, int] | None:
        budget[0] -= 1
        if budget[0] < 0 or not self._propagate(dom, lines, target):
            return None
        open_keys = [k for k, d in dom.items() if d[0] < d[1]]
        if not open_keys:
            return {k: d[0] for k, d in dom.items()}
        key = (
            target.cell
            if target.cell in open_keys
            else min(open_keys, key=lambda k: (dom[k][1] - dom[k][0], k))
        )
        lo, hi = dom[key]
        v = min(max(self._value(key), lo), hi)
        order = sorted(range(lo, hi + 1), key=lambda x: (abs(x - v), x))
        for value in order[:6]:
            trial = {k: list(d) for k, d in dom.items()}
            trial[key] = [value, value]
            found = self._dfs(trial, lines, target, budget)
            if found is not None:
                return found
            if budget[0] < 0:
                return None
        return None


def tighten(
    dom: dict[CellKey, list[int]], lines: Iterable[Line], *, below: tuple[CellKey, CellKey] | None = None
) -> bool:
    """Narrow interval domains ``[lo, hi]`` (in place) until every line is consistent with them; False
    when no table fits. ``below=(cell, total)`` also requires ``cell < total``."""
    lines = tuple(lines)
    changed = True
    while changed:
        changed = False
        for line in lines:
            t = dom[line.total]
            cells = [dom[c] for c in line.cells]
            sum_lo = sum(c[0] for c in cells)
            sum_hi = sum(c[1] for c in cells)
            if line.additive:
                new_lo, new_hi = max(t[0], sum_lo), min(t[1], sum_hi)
            else:
                new_lo = max(t[0], max((c[0] for c in cells), default=0))
                new_hi = min(t[1], sum_hi)
            if new_lo > new_hi:
                return False
            if (new_lo, new_hi) != (t[0], t[1]):
                t[0], t[1] = new_lo, new_hi
                changed = True
            for c in cells:
                lo = max(c[0], t[0] - (sum_hi - c[1]))
                hi = min(c[1], t[1] - (sum_lo - c[0])) if line.additive else min(c[1], t[1])
                if lo > hi:
                    return False
                if (lo, hi) != (c[0], c[1]):
                    c[0], c[1] = lo, hi
                    changed = True
        if below is not None:
            cell, total = dom[below[0]], dom[below[1]]
            hi, lo = min(cell[1], total[1] - 1), max(total[0], cell[0] + 1)
            if hi < cell[0] or lo > total[1]:
                return False
            if hi != cell[1] or lo != total[0]:
                cell[1], total[0] = hi, lo
                changed = True
    return True


def public_bounds(
    published: Mapping[CellKey, int | str], lines: Iterable[Line], params: SdcParams
) -> dict[CellKey, tuple[int, int | None]]:
    """What anyone can say about each cell from a published return alone: ``(lower, upper)``, with
    ``upper`` None where nothing bounds it. A hidden cell is at least 1, or at least 0 if it is in a
    sensitive breakdown (dominance hides zeros there)."""
    lines = tuple(lines)
    sensitive_cells = {c for line in lines if line.sensitive for c in line.cells}
    dom: dict[CellKey, list[int]] = {}
    for key, value in published.items():
        if isinstance(value, int):
            dom[key] = list(params.published_range(value))
        else:
            dom[key] = [0 if key in sensitive_cells else 1, _BIG]
    for line in lines:
        for key in (line.total, *line.cells):
            dom.setdefault(key, [0, 0])
    if not tighten(dom, lines):
        raise ValueError("the published values contradict each other")
    return {k: (lo, None if hi >= _BIG // 2 else hi) for k, (lo, hi) in dom.items()}
