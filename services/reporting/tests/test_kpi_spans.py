"""The interval arithmetic under the KPI memberships: spans that start together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from faemban_reporting.domain.kpi_memberships import Span, _intersect, _merge

T = datetime(2026, 1, 5, 9, tzinfo=UTC)
H = timedelta(hours=1)


def test_an_open_and_a_closed_span_from_the_same_instant_merge_into_the_open_one() -> None:
    # a household verified and assigned in one transaction: two spans, one moment
    assert _merge([Span(T, None), Span(T, T + H)]) == [Span(T, None)]
    assert _merge([Span(T, T + H), Span(T, None)]) == [Span(T, None)]


def test_closed_spans_from_the_same_instant_keep_the_longer() -> None:
    assert _merge([Span(T, T + 2 * H), Span(T, T + H), Span(T + 3 * H, None)]) == [
        Span(T, T + 2 * H),
        Span(T + 3 * H, None),
    ]


def test_an_intersection_with_an_open_span_from_the_same_instant() -> None:
    assert _intersect([Span(T, None), Span(T, T + H)], [Span(T, None)]) == [Span(T, None)]
