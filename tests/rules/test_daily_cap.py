"""R12a across sources: however many records describe a day, a person's offline hours on it never
exceed the day cap; a multi-day record is spread evenly; what would exceed is not registered."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cehours.rules.daily_cap import DayLoad, Span, admit

CAP = Decimal("6")
D = date(2025, 5, 12)


def test_r12a_two_declarations_for_the_same_day_give_six_hours_not_twelve():
    load = DayLoad()
    first = admit(load, Span(D, D, Decimal("6")), CAP)
    load.add(Span(D, D, first.hours))
    second = admit(load, Span(D, D, Decimal("6")), CAP)
    assert (first.hours, second.hours) == (Decimal("6.0"), Decimal("0.0"))
    assert "2025-05-12 当天线下学习已达每天 6 学时上限" in second.explanation(CAP)


def test_r12a_a_record_is_cut_to_what_still_fits_and_says_why():
    load = DayLoad([Span(D, D, Decimal("4"))])
    admitted = admit(load, Span(D, D, Decimal("3.5")), CAP)
    assert admitted.hours == Decimal("2.0") and admitted.limited
    assert "申报 3.5 学时按 2.0 学时登记" in admitted.explanation(CAP)


def test_r12a_a_multi_day_record_is_spread_evenly_and_limited_by_its_fullest_day():
    # Day 1 already has 5 hours; a 2-day, 12-hour training may add at most 1 a day, so 2 in all.
    load = DayLoad([Span(D, D, Decimal("5"))])
    admitted = admit(load, Span(D, D + timedelta(days=1), Decimal("12")), CAP)
    assert admitted.hours == Decimal("2.0")
    assert admitted.fullest_day == D


def test_r12a_records_on_other_days_do_not_count():
    load = DayLoad([Span(D - timedelta(days=1), D - timedelta(days=1), Decimal("6"))])
    assert admit(load, Span(D, D, Decimal("6")), CAP).hours == Decimal("6.0")


def test_r12a_the_cap_is_data():
    load = DayLoad([Span(D, D, Decimal("6"))])
    assert admit(load, Span(D, D, Decimal("3")), Decimal("8")).hours == Decimal("2.0")


spans = st.builds(
    lambda start, length, hours: Span(start, start + timedelta(days=length), hours),
    st.dates(min_value=D, max_value=D + timedelta(days=20)),
    st.integers(min_value=0, max_value=6),
    st.decimals(min_value=0, max_value=80, places=1, allow_nan=False, allow_infinity=False),
)


@given(st.lists(spans, max_size=25), st.sampled_from([Decimal("6"), Decimal("4.5"), Decimal("8")]))
def test_r12a_no_sequence_of_records_in_any_order_gives_any_day_more_than_the_cap(records, cap):
    """Property: records from any sources, admitted in any order, never put any day over the cap,
    and none is admitted above what it claims."""
    load = DayLoad()
    for span in records:
        admitted = admit(load, span, cap)
        assert Decimal("0") <= admitted.hours <= span.hours
        load.add(Span(span.start_on, span.end_on, admitted.hours))
        assert load.busiest() <= cap


@given(st.lists(spans, min_size=1, max_size=10))
def test_r12a_a_record_alone_on_its_days_is_cut_only_by_the_single_record_rule(records):
    """With nothing else on its days, a record gets min(claimed, cap × days) truncated to a tenth."""
    span = records[0]
    admitted = admit(DayLoad(), span, CAP)
    assert admitted.hours == min(span.hours, CAP * span.days).quantize(Decimal("0.1"))
