"""Rules of national law computed from the resident's own numbers. Pure functions; the wording is elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

# 社会保险法 第八十六条: 万分之五 a day.
LATE_FEE_DAILY_RATE = 0.0005
# 社会保险法 第十六条: 15 years at the legal retirement age.
PENSION_MIN_YEARS = 15
# 工伤保险条例 第十七条: employer 30 days, worker or relatives 1 year.
EMPLOYER_CLAIM_DAYS = 30


@dataclass(frozen=True)
class UnemploymentPeriod:
    years: float
    longest_months: int  # 0: under one year, no benefit


def unemployment_period(years: float) -> UnemploymentPeriod:
    """社会保险法 第四十六条: 1–5 years → 12 months, 5–10 → 18, 10 or more → 24."""
    if years < 1:
        months = 0
    elif years < 5:
        months = 12
    elif years < 10:
        months = 18
    else:
        months = 24
    return UnemploymentPeriod(years, months)


# 工伤保险条例 第三十五条 to 第三十七条: the one-off disability grant in months of the worker's own wage, by grade.
INJURY_LUMP_SUM_MONTHS = {1: 27, 2: 25, 3: 23, 4: 21, 5: 18, 6: 16, 7: 13, 8: 11, 9: 9, 10: 7}


@dataclass(frozen=True)
class InjuryLumpSum:
    grade: int
    months: int
    amount: Optional[float]  # months × the wage, when the wage is known


def injury_lump_sum(grade: int, wage: Optional[float] = None) -> InjuryLumpSum:
    months = INJURY_LUMP_SUM_MONTHS[grade]
    return InjuryLumpSum(grade, months, round(months * wage, 2) if wage else None)


UNEMPLOYMENT_LONGEST_MONTHS = 24


def combined_unemployment_months(years: float, unclaimed_months: int) -> int:
    """社会保险法 第四十六条: after new employment, the new period and the months left unclaimed from the last one
    are added up, to 24 months at most."""
    return min(UNEMPLOYMENT_LONGEST_MONTHS, unemployment_period(years).longest_months + unclaimed_months)


@dataclass(frozen=True)
class InjuryClaimDeadline:
    accident: date
    employer_by: date
    worker_by: date


def injury_claim_deadline(accident: date) -> InjuryClaimDeadline:
    """Within 30 days of the accident for the employer; within one year for the worker or close relatives."""
    try:
        one_year = accident.replace(year=accident.year + 1)
    except ValueError:  # 29 February
        one_year = accident.replace(year=accident.year + 1, day=28)
    return InjuryClaimDeadline(accident, accident + timedelta(days=EMPLOYER_CLAIM_DAYS), one_year)


@dataclass(frozen=True)
class PensionYears:
    years: float
    enough: bool
    missing_years: float


def pension_years(years: float) -> PensionYears:
    missing = max(0.0, PENSION_MIN_YEARS - years)
    return PensionYears(years, years >= PENSION_MIN_YEARS, missing)


@dataclass(frozen=True)
class LateFee:
    amount: float
    days: int
    fee: float


def late_fee(amount: float, days: int) -> LateFee:
    return LateFee(amount, days, round(amount * LATE_FEE_DAILY_RATE * days, 2))


@dataclass(frozen=True)
class Severance:
    years: float
    months: float  # months of wages


def severance_months(years: float) -> Severance:
    """劳动合同法 第四十七条: a month's wage per full year; six months or more count as a year, less as half a month."""
    whole = int(years + 1e-9)
    rest = round((years - whole) * 12)
    extra = 0.0 if rest == 0 else 1.0 if rest >= 6 else 0.5
    return Severance(years, whole + extra)


def unlawful_dismissal_months(years: float) -> Severance:
    """劳动合同法 第八十七条: twice the severance of 第四十七条."""
    return Severance(years, 2 * severance_months(years).months)


# 劳动合同法 第八十二条: double wages from the second month of work without a written contract, within the first year.
DOUBLE_PAY_MAX_MONTHS = 11


def double_pay_months(months_worked: int) -> int:
    """Months of double wages owed for work without a written contract (the first month is the time to sign)."""
    return min(DOUBLE_PAY_MAX_MONTHS, max(0, months_worked - 1))


def format_years(years: Optional[float]) -> str:
    if years is None:
        return ""
    whole = int(years)
    months = round((years - whole) * 12)
    if months == 0:
        return f"{whole}年"
    if months == 6:
        return f"{whole}年半"
    return f"{whole}年{months}个月"
