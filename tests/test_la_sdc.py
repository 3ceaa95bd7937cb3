"""Disclosure control as pure functions: the published value of every count, dominance, and secondary
suppression checked by interval reasoning on every line (independent of the code under test)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from setting_app.domain.errors import ValidationError
from setting_app.services.la_export.sdc import (
    SUPPRESSED,
    Reason,
    SdcParams,
    apply_sdc,
    public_bounds,
    round_half_up,
)
from setting_app.services.la_export.spec import Line

UNBOUNDED = 10**6


def line_interval(line: Line, target, exact: dict, published: dict, params: SdcParams) -> tuple[int, int]:
    """What this one line says about ``target`` given everything published: the smallest and largest
    value it could have. A hidden cell is at least 1 (at least 0 if it is really 0: we give the
    intruder that), with no upper limit; a published one is anywhere in its rounding interval."""

    def known(key) -> tuple[int, int]:
        value = published[key]
        if value == SUPPRESSED:
            return (1 if exact[key] > 0 else 0, UNBOUNDED)
        return params.published_range(value)

    lo_t, hi_t = known(line.total)
    others = [known(c) for c in line.cells if c != target]
    lo_x, hi_x = known(target)
    if target == line.total:
        cells = [known(c) for c in line.cells]
        lo = max([lo_x, *(c[0] for c in cells)]) if not line.additive else max(lo_x, sum(c[0] for c in cells))
        return lo, min(hi_x, sum(c[1] for c in cells))
    if line.additive:
        return max(lo_x, lo_t - sum(o[1] for o in others)), min(hi_x, hi_t - sum(o[0] for o in others))
    return max(lo_x, lo_t - sum(o[1] for o in others)), min(hi_x, hi_t)


def recoverable(exact: dict, lines: list[Line], published: dict, reasons: dict, params: SdcParams) -> list:
    """Every primary-suppressed cell that some line pins to a single value."""
    pinned = []
    for line in lines:
        for key in (line.total, *line.cells):
            if reasons.get(key) is Reason.PRIMARY:
                lo, hi = line_interval(line, key, exact, published, params)
                assert lo <= exact[key] <= hi, (line.label, key, lo, hi)  # the reasoning itself is sound
                if lo == hi:
                    pinned.append((line.label, key))
    return pinned


@pytest.mark.parametrize(
    ("exact", "shown"),
    [(0, 0), (1, "c"), (3, "c"), (7, "c"), (8, 10), (12, 10), (13, 15), (22, 20), (23, 25), (100, 100)],
)
def test_default_rule_publishes_the_agreed_values(exact: int, shown: int | str) -> None:
    assert SdcParams().publish(exact) == shown


def test_threshold_and_base_are_configurable() -> None:
    assert SdcParams(5, 1).publish(5) == 5
    assert SdcParams(5, 1).publish(4) == "c"
    assert SdcParams(10, 10).publish(9) == "c"
    assert SdcParams(10, 10).publish(14) == 10
    assert SdcParams(10, 10).publish(15) == 20
    assert SdcParams(10, 5).smallest_published == 10
    assert SdcParams(7, 5).smallest_published == 5


@pytest.mark.parametrize(
    ("threshold", "base", "field"),
    [(4, 5, "threshold"), (11, 5, "threshold"), (8, 0, "rounding base"), (8, 11, "rounding base")],
)
def test_out_of_range_settings_are_refused_naming_the_field(threshold: int, base: int, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SdcParams(threshold, base)
    assert caught.value.field == field


@given(st.integers(5, 10), st.integers(1, 10), st.integers(0, 400))
def test_every_published_value_passes_the_receivers_check_and_its_range_holds_the_truth(
    t: int, b: int, n: int
) -> None:
    params = SdcParams(t, b)
    shown = params.publish(n)
    if shown == "c":
        assert 1 <= n < t
    else:
        assert params.allows(shown)
        lo, hi = params.published_range(shown)
        assert lo <= n <= hi
        assert round_half_up(lo, b) == shown == round_half_up(hi, b)


def test_a_hand_edited_small_count_fails_the_receivers_check() -> None:
    params = SdcParams()
    assert not params.allows(3)
    assert not params.allows(12)  # not a multiple of 5
    assert not params.allows(5)  # below the rounded threshold of 10
    assert params.allows(0) and params.allows(10)


def _line(total, cells, *, additive=True, sensitive=False) -> Line:
    return Line(total, tuple(cells), additive, sensitive, f"{total} line")


def test_dominance_hides_every_cell_of_the_breakdown_including_zeros() -> None:
    exact = {("t",): 9, ("a",): 9, ("b",): 0, ("c",): 0}
    line = _line(("t",), [("a",), ("b",), ("c",)], additive=False, sensitive=True)
    result = apply_sdc(exact, [line], SdcParams())
    assert result.published[("t",)] == 10
    assert [result.published[k] for k in line.cells] == ["c", "c", "c"]
    assert result.reasons[("b",)] is Reason.DOMINANCE


def test_dominance_does_not_apply_to_a_breakdown_that_reveals_nothing() -> None:
    exact = {("t",): 9, ("a",): 9, ("b",): 0}
    line = _line(("t",), [("a",), ("b",)], sensitive=False)
    result = apply_sdc(exact, [line], SdcParams())
    assert result.published == {("t",): 10, ("a",): 10, ("b",): 0}


def test_base_one_hides_a_second_cell_when_one_would_be_worked_out() -> None:
    exact = {("t",): 22, ("a",): 3, ("b",): 9, ("d",): 10}
    line = _line(("t",), [("a",), ("b",), ("d",)])
    result = apply_sdc(exact, [line], SdcParams(8, 1))
    assert result.reasons == {("a",): Reason.PRIMARY, ("b",): Reason.SECONDARY}
    assert result.published[("t",)] == 22 and result.published[("d",)] == 10
    assert recoverable(exact, [line], result.published, result.reasons, SdcParams(8, 1)) == []


def test_base_one_hides_more_when_two_hidden_cells_are_both_one() -> None:
    # a + b = 2 with both at least 1: both would be known to be 1.
    exact = {("t",): 10, ("a",): 1, ("b",): 1, ("d",): 8}
    line = _line(("t",), [("a",), ("b",), ("d",)])
    params = SdcParams(8, 1)
    result = apply_sdc(exact, [line], params)
    assert result.published[("d",)] == "c" or result.published[("t",)] == "c"
    assert recoverable(exact, [line], result.published, result.reasons, params) == []


def test_without_secondary_suppression_the_check_would_find_the_cell() -> None:
    """The interval check can fail: it is not vacuous."""
    exact = {("t",): 22, ("a",): 3, ("b",): 9, ("d",): 10}
    line = _line(("t",), [("a",), ("b",), ("d",)])
    params = SdcParams(8, 1)
    published = {k: params.publish(v) for k, v in exact.items()}
    reasons = {("a",): Reason.PRIMARY}
    assert recoverable(exact, [line], published, reasons, params) == [("('t',) line", ("a",))]


def _grid(values: list[list[int]]) -> tuple[dict, list[Line]]:
    """A two-way table with row and column totals, all additive."""
    exact: dict = {}
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            exact[("cell", r, c)] = v
    rows, cols = len(values), len(values[0])
    for r in range(rows):
        exact[("row", r)] = sum(values[r])
    for c in range(cols):
        exact[("col", c)] = sum(values[r][c] for r in range(rows))
    exact[("all",)] = sum(map(sum, values))
    lines = [_line(("row", r), [("cell", r, c) for c in range(cols)]) for r in range(rows)]
    lines += [_line(("col", c), [("cell", r, c) for r in range(rows)]) for c in range(cols)]
    lines.append(_line(("all",), [("row", r) for r in range(rows)]))
    lines.append(_line(("all",), [("col", c) for c in range(cols)]))
    return exact, lines


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([0, 0, 1, 2, 3, 5, 7, 8, 9, 12, 20]), min_size=3, max_size=3),
        min_size=2,
        max_size=3,
    ),
    st.sampled_from([(8, 1), (5, 1), (8, 5), (10, 10)]),
)
def test_no_suppressed_cell_of_a_two_way_table_is_recoverable_from_any_line(values, rule) -> None:
    exact, lines = _grid(values)
    params = SdcParams(*rule)
    result = apply_sdc(exact, lines, params)
    assert recoverable(exact, lines, result.published, result.reasons, params) == []
    for key, value in exact.items():
        shown = result.published[key]
        assert shown == "c" or params.allows(shown)
        if key not in result.reasons:
            assert shown == params.publish(value)
        if value == 0:
            assert shown == 0 or result.reasons[key] is not Reason.SECONDARY


def test_public_bounds_hold_the_truth_and_use_the_totals() -> None:
    exact, lines = _grid([[3, 12], [9, 8]])
    params = SdcParams()
    result = apply_sdc(exact, lines, params)
    bounds = public_bounds(result.published, lines, params)
    for key, value in exact.items():
        lo, hi = bounds[key]
        assert lo <= value and (hi is None or value <= hi)
    # the hidden 3: its row (total 15, so 13..17, less 8..12) allows 1..9; its column (total 10, so
    # 8..12, less the other cell's 8..12) allows at most 4.
    assert bounds[("cell", 0, 0)] == (1, 4)
