from datetime import date

import pytest

from policy_core.months import MonthParseError, YearMonth, parse_month

NOVEMBER = date(2026, 11, 22)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1月", YearMonth(2026, 1)),
        ("一月", YearMonth(2026, 1)),
        ("1月份的", YearMonth(2026, 1)),
        ("１０月", YearMonth(2026, 10)),
        ("十月份", YearMonth(2026, 10)),
        ("十一月", YearMonth(2026, 11)),
        ("十二月份", YearMonth(2026, 12)),
        ("12月", YearMonth(2026, 12)),
        ("正月", YearMonth(2026, 1)),
        ("腊月", YearMonth(2026, 12)),
        ("上个月", YearMonth(2026, 10)),
        ("上月的", YearMonth(2026, 10)),
        ("这个月", YearMonth(2026, 11)),
        ("本月", YearMonth(2026, 11)),
        ("下个月", YearMonth(2026, 12)),
        ("上上个月", YearMonth(2026, 9)),
        ("去年12月", YearMonth(2025, 12)),
        ("今年三月", YearMonth(2026, 3)),
        ("2024年7月", YearMonth(2024, 7)),
        ("二〇二五年五月", YearMonth(2025, 5)),
        ("2025-03", YearMonth(2025, 3)),
    ],
)
def test_month_expressions(text, expected):
    assert parse_month(text, NOVEMBER) == expected


def test_bare_month_is_the_latest_not_more_than_one_month_ahead():
    january = date(2027, 1, 10)
    assert parse_month("12月", january) == YearMonth(2026, 12)
    assert parse_month("2月", january) == YearMonth(2027, 2)
    assert parse_month("3月", january) == YearMonth(2026, 3)
    assert parse_month("1月", date(2026, 12, 1)) == YearMonth(2027, 1)


def test_relative_month_across_year_end():
    assert parse_month("上个月", date(2027, 1, 3)) == YearMonth(2026, 12)
    assert parse_month("下个月", date(2026, 12, 3)) == YearMonth(2027, 1)


@pytest.mark.parametrize("text", ["十三月", "13月", "0月", "", "   ", "昨天", "月", "abc"])
def test_bad_months_raise_clear_errors(text):
    with pytest.raises(MonthParseError):
        parse_month(text, NOVEMBER)


def test_none_is_an_error():
    with pytest.raises(MonthParseError):
        parse_month(None, NOVEMBER)


def test_plus_months_wraps_the_year():
    assert YearMonth(2025, 12).plus_months(2) == YearMonth(2026, 2)
    assert YearMonth(2025, 11).plus_months(2) == YearMonth(2026, 1)
    assert YearMonth(2026, 1).plus_months(-1) == YearMonth(2025, 12)


def test_slot_round_trip():
    assert YearMonth.from_slot(str(YearMonth(2026, 3))) == YearMonth(2026, 3)
    with pytest.raises(MonthParseError):
        YearMonth.from_slot("2026/3")
    with pytest.raises(MonthParseError):
        YearMonth(2026, 13)
