"""The pure rules of zones/slots.py: a zone's days and local slots against an order's UTC window and
sum, across time zones (Moscow UTC+3, New York with its DST change) — and the slots a site offers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from server.domain.zones.slots import (
    day_slots,
    format_roubles,
    is_whole_day,
    slot_instants,
    window_in_slots,
    zone_problems,
)

MSK = ZoneInfo("Europe/Moscow")
NY = ZoneInfo("America/New_York")
ZONE = {"name": "Центр", "days": [1, 2, 3, 4, 5, 6], "slots": [["10:00", "14:00"], ["14:00", "18:00"]],
        "min_order": 150000}
MONDAY = date(2026, 12, 7)
SUNDAY = date(2026, 12, 13)


def utc(day: date, hhmm: str, tz: ZoneInfo = MSK) -> datetime:
    """The UTC instant of a local time on a local day."""
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), tz).astimezone(UTC)


def kinds(problems: list[dict]) -> list[str]:
    return [p["kind"] for p in problems]


def test_a_slot_is_local_time_turned_into_utc_instants():
    assert slot_instants(MONDAY, ["10:00", "14:00"], MSK) == (datetime(2026, 12, 7, 7, 0, tzinfo=UTC),
                                                              datetime(2026, 12, 7, 11, 0, tzinfo=UTC))
    # New York: UTC−5 in winter, UTC−4 in summer — the same local slot lands at different UTC hours
    assert slot_instants(MONDAY, ["10:00", "14:00"], NY)[0] == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    assert slot_instants(date(2026, 7, 6), ["10:00", "14:00"], NY)[0] == datetime(2026, 7, 6, 14, 0, tzinfo=UTC)


def test_a_window_inside_a_slot_passes_and_one_across_two_slots_does_not():
    slots = ZONE["slots"]
    assert window_in_slots(utc(MONDAY, "10:00"), utc(MONDAY, "14:00"), slots, MSK)
    assert window_in_slots(utc(MONDAY, "15:00"), utc(MONDAY, "16:00"), slots, MSK)
    assert not window_in_slots(utc(MONDAY, "13:00"), utc(MONDAY, "15:00"), slots, MSK)  # two slots, not one
    assert not window_in_slots(utc(MONDAY, "09:30"), utc(MONDAY, "11:00"), slots, MSK)
    assert window_in_slots(utc(MONDAY, "12:00"), None, slots, MSK)  # one end given: that moment
    assert not window_in_slots(None, utc(MONDAY, "19:00"), slots, MSK)


def test_the_utc_window_is_read_in_the_shops_time_zone():
    # 07:00–08:00 UTC is 10:00–11:00 in Moscow (inside 10:00–14:00) but 02:00–03:00 in New York
    start, end = datetime(2026, 12, 7, 7, 0, tzinfo=UTC), datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert zone_problems(ZONE, start, end, 200000, MSK) == []
    problems = zone_problems(ZONE, start, end, 200000, NY)
    assert kinds(problems) == ["outside_slots"]
    assert problems[0]["params"] == {"window": "02:00–03:00", "slots": "10:00–14:00, 14:00–18:00"}


def test_the_day_is_the_local_one_not_the_utc_one():
    # Sunday 22:00 UTC is already Monday 01:00 in Moscow: the day is Monday (delivered), the hour is not
    start = datetime(2026, 12, 13, 22, 0, tzinfo=UTC)
    problems = zone_problems(ZONE, start, start + timedelta(hours=1), 200000, MSK)
    assert kinds(problems) == ["outside_slots"] and problems[0]["params"]["window"] == "01:00–02:00"
    # Sunday 10:00–12:00 in Moscow: a day the zone does not deliver on
    closed = zone_problems(ZONE, utc(SUNDAY, "10:00"), utc(SUNDAY, "12:00"), 200000, MSK)
    assert closed == [{"kind": "closed_day", "msgid": "Zone «%(zone)s» does not deliver on Sundays",
                       "params": {"zone": "Центр"}}]


def test_below_the_minimum_is_a_problem_of_its_own_with_roubles():
    problems = zone_problems(ZONE, utc(MONDAY, "22:00"), utc(MONDAY, "23:00"), 90000, MSK)
    assert kinds(problems) == ["outside_slots", "below_minimum"]
    assert problems[0]["params"]["window"] == "22:00–23:00"
    assert problems[1]["params"] == {"total": "900\u00a0₽", "minimum": "1\u00a0500\u00a0₽"}
    assert zone_problems(ZONE, None, None, 150000, MSK) == []  # exactly the minimum; no window: nothing else
    assert kinds(zone_problems(ZONE, None, None, 149999, MSK)) == ["below_minimum"]
    assert format_roubles(89990) == "899,90\u00a0₽"


def test_a_whole_day_window_and_a_zone_without_slots_check_the_day_only():
    start, end = utc(MONDAY, "00:00"), utc(MONDAY + timedelta(days=1), "00:00")
    assert is_whole_day(start, end, MSK) and not is_whole_day(start, end, NY)
    assert zone_problems(ZONE, start, end, 200000, MSK) == []
    anytime = {**ZONE, "slots": []}
    assert zone_problems(anytime, utc(MONDAY, "23:00"), utc(MONDAY, "23:30"), 200000, MSK) == []
    sunday = zone_problems(anytime, utc(SUNDAY, "00:00"), utc(SUNDAY + timedelta(days=1), "00:00"), 200000, MSK)
    assert kinds(sunday) == ["closed_day"]


minutes = st.integers(min_value=0, max_value=24 * 60 - 1)


@given(a=minutes, b=minutes, c=minutes, d=minutes, tz=st.sampled_from([MSK, NY, ZoneInfo("Asia/Vladivostok")]),
       day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)))
def test_inside_a_slot_means_both_ends_within_it_by_local_clock_minutes(a, b, c, d, tz, day):
    """The rule against a model in plain minutes of the local day (slot [a, b], window [c, d])."""
    a, b = sorted((a, b))
    c, d = sorted((c, d))
    if a == b or c == d:
        return
    slot = [f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}"]
    start = datetime.combine(day, time(c // 60, c % 60), tz)
    end = datetime.combine(day, time(d // 60, d % 60), tz)
    # a local time that does not exist (DST gap) or exists twice is left out of the model
    for moment in (start, end):
        if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != moment.replace(tzinfo=None):
            return
        if moment.replace(fold=1).utcoffset() != moment.utcoffset():
            return
    for t in slot:
        h, m = map(int, t.split(":"))
        local = datetime.combine(day, time(h, m), tz)
        if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None) or \
                local.replace(fold=1).utcoffset() != local.utcoffset():
            return
    expected = a <= c and d <= b
    assert window_in_slots(start.astimezone(UTC), end.astimezone(UTC), [slot], tz) is expected
    problems = zone_problems({"name": "Z", "days": [1, 2, 3, 4, 5, 6, 7], "slots": [slot], "min_order": 0},
                             start.astimezone(UTC), end.astimezone(UTC), 0, tz)
    assert kinds(problems) == ([] if expected else ["outside_slots"])


def test_the_slots_of_a_day_for_a_site():
    now = utc(MONDAY, "12:30")
    assert day_slots(ZONE, MONDAY - timedelta(days=1), MSK, now) == ("past_date", [])
    assert day_slots(ZONE, SUNDAY, MSK, now) == ("closed_day", [])
    reason, slots = day_slots(ZONE, MONDAY, MSK, now)  # 10:00–14:00 is still running, kept
    assert reason is None and [(s.start, s.end) for s in slots] == [("10:00", "14:00"), ("14:00", "18:00")]
    assert slots[1].start_utc == datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    assert day_slots(ZONE, MONDAY, MSK, utc(MONDAY, "18:00")) == ("no_slots_left", [])
    reason, later = day_slots(ZONE, MONDAY, MSK, utc(MONDAY, "14:00"))
    assert [s.start for s in later] == ["14:00"]
    reason, whole = day_slots({**ZONE, "slots": []}, MONDAY + timedelta(days=1), MSK, now)
    assert reason is None and [(s.start, s.end) for s in whole] == [("00:00", "24:00")]
    assert whole[0].end_utc - whole[0].start_utc == timedelta(days=1)
