from datetime import UTC, datetime

import pytest

from policy_core.answers import CHINA_TIME
from policy_core.service_hours import ServiceHours, ServiceHoursError

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=CHINA_TIME)


def test_default_is_always_on_duty():
    assert ServiceHours.parse(None).on_duty(datetime(2026, 11, 22, 3, 0, tzinfo=CHINA_TIME))
    assert ServiceHours.parse("always").describe() == "全天"


def test_weekday_office_hours():
    hours = ServiceHours.parse("mon-fri 09:00-18:00; sat 9:00-12:00")
    assert hours.on_duty(MONDAY_10)
    assert not hours.on_duty(MONDAY_10.replace(hour=18))  # the end is exclusive
    assert not hours.on_duty(MONDAY_10.replace(hour=8, minute=59))
    assert hours.on_duty(datetime(2026, 11, 28, 11, 0, tzinfo=CHINA_TIME))  # Saturday morning
    assert not hours.on_duty(datetime(2026, 11, 29, 11, 0, tzinfo=CHINA_TIME))  # Sunday
    assert hours.describe() == "周一至周五 09:00–18:00，周六 09:00–12:00"


def test_moments_are_read_in_china_time():
    hours = ServiceHours.parse("mon-fri 09:00-18:00")
    assert hours.on_duty(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # 10:00 in Beijing
    assert not hours.on_duty(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # 20:00 in Beijing


@pytest.mark.parametrize(
    "text", ["weekdays", "mon-fri 9-18", "fri-mon 09:00-18:00", "mon 18:00-09:00", "xyz 09:00-10:00", "mon 25:00-26:00"]
)
def test_bad_settings_are_clear_errors(text):
    with pytest.raises(ServiceHoursError, match="HANDOFF_SERVICE_HOURS"):
        ServiceHours.parse(text)
