"""Time zones and the due moment of a local day: HH:MM and zone names as an admin types
them, daylight-saving gaps (posted once, when the clocks jump) and overlaps (posted once,
the first time), half-hour offsets, Lord Howe's half-hour change, a day that never was."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.schedule import times
from bot.schedule.errors import BadTime, BadZone


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(("typed", "stored"), [
    ("09:00", "09:00"), ("9:05", "09:05"), (" 23:59 ", "23:59"), ("00:00", "00:00")])
def test_times_are_read_in_24_hour_hh_mm(typed: str, stored: str) -> None:
    assert times.parse_time(typed) == stored


@pytest.mark.parametrize("typed", ["24:00", "9am", "9:5", "12:60", "", "0900", "09:00:00",
                                   "９:００", "-1:30", "9 : 30"])
def test_anything_else_is_refused_with_the_accepted_form(typed: str) -> None:
    with pytest.raises(BadTime) as refused:
        times.parse_time(typed)
    assert "HH:MM" in str(refused.value)


@pytest.mark.parametrize(("typed", "name"), [
    ("America/New_York", "America/New_York"), ("america/new_york", "America/New_York"),
    ("america/new york", "America/New_York"), (" EUROPE/LONDON ", "Europe/London"),
    ("utc", "UTC"), ("asia/kolkata", "Asia/Kolkata")])
def test_zone_names_match_without_regard_to_case_or_underscores(typed: str, name: str) -> None:
    assert times.parse_zone(typed) == name


def test_an_unknown_zone_is_refused_with_the_closest_names() -> None:
    with pytest.raises(BadZone) as refused:
        times.parse_zone("Amerca/New_Yrok")
    assert "America/New_York" in str(refused.value)
    with pytest.raises(BadZone) as refused:
        times.parse_zone("Mars/Olympus_Mons")
    assert "IANA" in str(refused.value)
    with pytest.raises(BadZone):
        times.parse_zone("")


def test_zone_autocomplete_puts_the_best_first() -> None:
    assert times.zones("london")[0] == "Europe/London"
    assert times.zones("new york")[0] == "America/New_York"
    assert times.zones("kolkta")[0] == "Asia/Kolkata"  # (a typo)
    assert times.zones("Europe/")[0].startswith("Europe/")
    every = zoneinfo.available_timezones()
    assert len(times.zones("")) == 25
    assert len(times.zones("a", limit=5)) == 5
    assert all(name in every for name in times.zones("america"))
    assert times.zones("xqzwv") == []


@pytest.mark.parametrize(("zone", "day", "post_time", "due"), [
    # ordinary days, with a half-hour offset
    ("America/New_York", date(2026, 1, 15), "09:00", utc(2026, 1, 15, 14, 0)),
    ("Asia/Kolkata", date(2026, 6, 1), "09:00", utc(2026, 6, 1, 3, 30)),
    # spring forward: 02:00 -> 03:00; 02:30 does not exist: posted when the clocks jump
    ("America/New_York", date(2026, 3, 8), "02:30", utc(2026, 3, 8, 7, 0)),
    ("Europe/London", date(2026, 3, 29), "01:30", utc(2026, 3, 29, 1, 0)),
    # Lord Howe moves its clocks by half an hour: 02:00 -> 02:30
    ("Australia/Lord_Howe", date(2026, 10, 4), "02:15", utc(2026, 10, 3, 15, 30)),
    # fall back: 01:30 happens twice, the first one counts
    ("America/New_York", date(2026, 11, 1), "01:30", utc(2026, 11, 1, 5, 30)),
    ("Europe/London", date(2026, 10, 25), "01:30", utc(2026, 10, 25, 0, 30)),
    ("Australia/Lord_Howe", date(2027, 4, 4), "01:45", utc(2027, 4, 3, 14, 45)),
])
def test_the_due_moment_of_a_local_day(zone: str, day: date, post_time: str,
                                        due: datetime) -> None:
    assert times.due_at(day, post_time, times.zone(zone)) == due


def test_the_moment_of_a_gap_reads_as_the_time_after_the_jump() -> None:
    tz = times.zone("America/New_York")
    due = times.due_at(date(2026, 3, 8), "02:30", tz)
    assert times.describe(due, tz) == "Sun 8 Mar 2026, 03:00 EDT"


def test_next_due_is_strictly_after_and_after_the_day_given() -> None:
    tz = times.zone("Europe/London")
    nine = utc(2026, 1, 15, 9, 0)
    assert times.next_due(nine - timedelta(seconds=1), "09:00", tz) == nine
    assert times.next_due(nine, "09:00", tz) == nine + timedelta(days=1)
    # posted early (/qotd now) on the 15th: the next is the 16th's, not the 15th's
    assert times.next_due(utc(2026, 1, 15, 7), "09:00", tz,
                          after_day=date(2026, 1, 15)) == nine + timedelta(days=1)


def test_a_day_that_never_was_gets_no_due_moment() -> None:
    tz = times.zone("Pacific/Apia")  # 30 December 2011 was skipped
    after = times.due_at(date(2011, 12, 29), "09:00", tz)
    following = times.next_due(after, "09:00", tz)
    assert times.local_day(following, tz) == date(2011, 12, 31)
    assert times.first_due(date(2011, 12, 30), "09:00", tz)[0] == date(2011, 12, 31)


@pytest.mark.parametrize(("zone", "post_time"), [
    ("America/New_York", "02:30"), ("America/New_York", "01:30"), ("Europe/London", "01:30"),
    ("Asia/Kolkata", "00:00"), ("Australia/Lord_Howe", "02:15"), ("Pacific/Auckland", "02:30"),
    ("America/Santiago", "23:30"), ("UTC", "23:59")])
def test_a_year_of_due_moments_has_one_per_local_day(zone: str, post_time: str) -> None:
    tz = times.zone(zone)
    moment = utc(2026, 1, 1)
    days = []
    for _ in range(365):
        due = times.next_due(moment, post_time, tz)
        assert due > moment
        days.append(times.local_day(due, tz))
        moment = due
    assert days == [days[0] + timedelta(days=n) for n in range(365)]


def test_end_of_day_is_the_next_local_midnight() -> None:
    tz = times.zone("America/New_York")
    assert times.end_of_day(date(2026, 3, 7), tz) == utc(2026, 3, 8, 5, 0)
    assert times.end_of_day(date(2026, 3, 8), tz) == utc(2026, 3, 9, 4, 0)


# --------------------------------------------------------------------------- places, not offsets

@pytest.mark.parametrize(("typed", "first"), [
    ("est", ["America/New_York"]), ("EDT", ["America/New_York"]),
    ("pst", ["America/Los_Angeles"]), ("pdt", ["America/Los_Angeles"]),
    ("cet", ["Europe/Paris", "Europe/Berlin"]), ("cest", ["Europe/Paris", "Europe/Berlin"]),
    ("bst", ["Europe/London"]), ("gmt", ["Europe/London"]), ("mst", ["America/Denver"]),
    ("hst", ["Pacific/Honolulu"]), ("jst", ["Asia/Tokyo"]), ("aest", ["Australia/Sydney"])])
def test_an_abbreviation_suggests_the_usual_places_first(typed: str, first: list[str]) -> None:
    assert times.zones(typed)[:len(first)] == first


LEGACY = ["EST", "MST", "HST", "EST5EDT", "CST6CDT", "PST8PDT", "CET", "WET", "Etc/GMT+5",
          "Etc/GMT-1", "US/Eastern", "US/Pacific", "Canada/Eastern", "Japan", "Navajo", "GB",
          "Asia/Calcutta", "Australia/ACT", "Brazil/East"]


@pytest.mark.parametrize("typed", ["est", "edt", "pst", "cet", "mst", "hst", "gmt", "utc",
                                   "us", "etc", "gmt+5", "eastern", "e", "", "japan", "calc"])
def test_autocomplete_offers_only_places_and_utc(typed: str) -> None:
    offered = times.zones(typed)
    assert not set(offered) & {*LEGACY, "GMT", "Etc/UTC", "Zulu", "UCT", "Etc/GMT"}
    assert all(name == "UTC" or (name.count("/") >= 1 and not name.startswith("Etc/"))
               for name in offered)


@pytest.mark.parametrize(("typed", "refusal"), [
    ("EST", "EST has no daylight saving time: use a place, such as America/New_York"),
    ("est", "EST has no daylight saving time: use a place, such as America/New_York"),
    ("MST", "MST has no daylight saving time: use a place, such as America/Denver"),
    ("HST", "HST has no daylight saving time: use a place, such as Pacific/Honolulu"),
    ("Etc/GMT+5", "Etc/GMT+5 is always UTC-5 (its sign is inverted) and has no daylight "
                  "saving time: use a place, such as America/New_York"),
    ("Etc/GMT-1", "Etc/GMT-1 is always UTC+1 (its sign is inverted) and has no daylight "
                  "saving time: use a place, such as Europe/Paris"),
    ("EST5EDT", "EST5EDT is an old name, not a place: use a place, such as America/New_York"),
    ("CET", "CET is an old name, not a place: use a place, such as Europe/Paris"),
    ("US/Eastern", "US/Eastern is an old name, not a place: use a place, such as "
                   "America/New_York."),
    ("us/pacific", "US/Pacific is an old name, not a place: use a place, such as "
                   "America/Los_Angeles"),
    ("Asia/Calcutta", "Asia/Calcutta is an old name, not a place: use a place, such as "
                      "Asia/Kolkata."),
])
def test_fixed_offsets_and_legacy_names_are_refused_naming_places(typed: str,
                                                                  refusal: str) -> None:
    with pytest.raises(BadZone) as refused:
        times.parse_zone(typed)
    assert str(refused.value).startswith(refusal)


@pytest.mark.parametrize("name", LEGACY)
def test_every_legacy_name_is_refused_with_a_place_that_is_offered(name: str) -> None:
    with pytest.raises(BadZone) as refused:
        times.parse_zone(name)
    text = str(refused.value)
    named = [word.strip(".,") for word in text.split("such as ", 1)[1].split()]
    assert named and all(times.parse_zone(place) == place for place in named
                         if place not in ("or",))
    assert times.zone_problem(name) == text


@pytest.mark.parametrize("name", ["UTC", "Etc/UTC", "GMT", "utc", "Etc/GMT",
                                  "Europe/Amsterdam", "America/Argentina/Buenos_Aires",
                                  "America/Indiana/Indianapolis", "Atlantic/Reykjavik"])
def test_utc_and_places_are_taken(name: str) -> None:
    stored = times.parse_zone(name)
    assert stored.casefold() == name.casefold()
    assert times.zone_problem(stored) is None


def test_every_place_the_table_suggests_is_offered() -> None:
    from bot.schedule import places

    offered = set(times.zones("", limit=25)) | {"UTC"}
    for usual in places.ABBREVIATIONS.values():
        for name in usual:
            assert times.parse_zone(name) == name
            assert name in offered or name in times.zones(name.rsplit("/", 1)[-1])


@pytest.mark.parametrize("hours", [h for h in range(-11, 15) if h])
def test_an_etc_offset_suggests_places_at_its_real_offset(hours: int) -> None:
    name = f"Etc/GMT{-hours:+d}"  # POSIX's inverted sign: Etc/GMT+5 is UTC-5
    with pytest.raises(BadZone) as refused:
        times.parse_zone(name)
    places = [word.strip(".,") for word in str(refused.value).split("such as ", 1)[1].split()
              if word != "or"]
    assert places
    for place in places:  # its standard (winter) time
        offsets = [utc(2026, month, 15).astimezone(times.zone(place)).utcoffset()
                   for month in (1, 7)]
        assert min(o for o in offsets if o is not None) == timedelta(hours=hours), place
