"""Time zones, ``HH:MM`` and the due moment of a local day, across daylight-saving changes.

Pure functions over :mod:`zoneinfo` (``tzdata`` is a dependency, for systems without a
zone database). A schedule posts at ``HH:MM`` of each **local day** of its zone:

* on a spring-forward day, a time in the gap (02:30 in New York, when 02:00 becomes
  03:00) posts once, at the next valid time: the moment the clocks jump (03:00 local);
* in the autumn overlap (01:30 happens twice), it posts once, at the first occurrence;
* a local day that does not exist at all (Samoa skipped 30 December 2011) has no post.

Every moment returned is an aware UTC datetime.
"""

from __future__ import annotations

import functools
import logging
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.notes.text import clean_user_text
from bot.schedule import places
from bot.schedule.errors import BadTime, BadZone

log = logging.getLogger(__name__)

TIME_FORM = "HH:MM, 24-hour (e.g. 09:00 or 18:30)"
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules", "leapseconds"})
FUZZY_CUTOFF = 70.0  # rapidfuzz ratio: a zone spelt at least this close is offered
MAX_TYPED = 100  # characters of a typed zone that are looked at
_SEARCH_DAYS = 8  # local days looked at for the next due moment (a skipped day is 1)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- HH:MM

def parse_time(text: str) -> str:
    """``"9:05"``, ``" 09:05 "`` -> ``"09:05"``; anything else (``"9am"``, ``"24:00"``,
    ``"9:5"``) raises :class:`BadTime` with the accepted form."""
    typed = clean_user_text(text or "", 40)
    match = _TIME.fullmatch(typed)
    if match is not None:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return f"{hour:02d}:{minute:02d}"
    shown = typed[:20] or "nothing"
    raise BadTime(f"I can't read “{shown}” as a time: write it as {TIME_FORM}.")


def clock_time(post_time: str) -> time:
    """A stored ``"HH:MM"`` as a :class:`~datetime.time`."""
    return time.fromisoformat(parse_time(post_time))


# --------------------------------------------------------------------------- zones

@dataclass(frozen=True, slots=True)
class _Zones:
    names: tuple[str, ...]  # the names offered: places and UTC (places.offered), sorted
    folded: tuple[str, ...]  # casefolded, spaces for underscores
    cities: tuple[str, ...]  # the part after the last "/", folded
    by_folded: dict[str, str]  # every name this system knows, folded -> the name


@functools.cache
def _zones() -> _Zones:
    """Every IANA zone name this system knows, read once (on first use)."""
    every = sorted(n for n in zoneinfo.available_timezones() if n not in _NOT_ZONES)
    names = tuple(n for n in every if places.offered(n))
    folded = tuple(_fold(n) for n in names)
    cities = tuple(f.rsplit("/", 1)[-1] for f in folded)
    log.debug("time zones: %d names, %d offered", len(every), len(names))
    return _Zones(names, folded, cities, {_fold(n): n for n in every})


def _fold(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


def parse_zone(text: str) -> str:
    """The IANA name for what was typed, matched without regard to case, spaces or
    underscores (``"america/new york"`` -> ``"America/New_York"``): a place, or UTC (any
    of its names). A fixed offset or a legacy name (``EST``, ``Etc/GMT+5``, ``EST5EDT``,
    ``US/Eastern``) raises :class:`BadZone` naming the places to use instead
    (:func:`bot.schedule.places.refusal`); anything else, naming the closest zones."""
    typed = clean_user_text(text or "", MAX_TYPED)
    found = _zones().by_folded.get(_fold(typed)) if typed else None
    if found is not None:
        refused = places.refusal(found)
        if refused is not None:
            raise BadZone(refused)
        return found
    close = zones(typed, limit=3) if typed else []
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    shown = typed[:40] or "nothing"
    raise BadZone(f"“{shown}” is not a time zone I know: use an IANA name such as "
                  f"Europe/London or America/New_York.{hint}")


def zone_problem(name: str) -> str | None:
    """What is wrong with a stored zone name that ``set`` no longer takes (one set before
    it refused them), with the places to use instead; ``None`` for a place or UTC."""
    return places.refusal(name)


def zone(name: str) -> tzinfo:
    """The zone of a stored (already parsed) name."""
    return zoneinfo.ZoneInfo(name)


def zones(typed: str, limit: int = 25, cutoff: float = 0.0) -> list[str]:
    """Zone names for autocomplete (places and UTC only), best first: the places an
    abbreviation usually means (``"est"``: America/New_York), the name typed, cities that
    start with it, names that start with it, names that contain it, then close spellings
    (rapidfuzz, at least ``cutoff``). Nothing typed: the first names in alphabetical order."""
    known = _zones()
    limit = max(0, min(25, limit))
    key = _fold(typed or "")[:MAX_TYPED]
    if not key:
        return list(known.names[:limit])
    usual = [name for name in places.ABBREVIATIONS.get(key, ())
             if _fold(name) in known.by_folded and places.offered(name)]
    exact: list[str] = []
    starts: list[str] = []
    city: list[str] = []
    inside: list[str] = []
    for name, folded, town in zip(known.names, known.folded, known.cities, strict=True):
        if folded == key:
            exact.append(name)
        elif folded.startswith(key):
            starts.append(name)
        elif town.startswith(key):
            city.append(name)
        elif key in folded:
            inside.append(name)
    ranked = [*exact, *city, *starts, *inside] if "/" not in key else [*exact, *starts, *city, *inside]
    found = list(dict.fromkeys([*usual, *ranked]))
    if len(found) < limit and len(key) >= 3:
        seen = set(found)
        for name in _close(key, known, limit + len(found), max(cutoff, FUZZY_CUTOFF)):
            if name not in seen:
                found.append(name)
                seen.add(name)
    return found[:limit]


def _close(key: str, known: _Zones, limit: int, cutoff: float) -> list[str]:
    """Names spelt close to ``key`` (the whole name or its city), closest first."""
    from rapidfuzz import fuzz, process

    best: dict[int, float] = {}
    for choices in (known.folded, known.cities):
        for _, score, index in process.extract(key, choices, scorer=fuzz.ratio, limit=limit,
                                               score_cutoff=cutoff):
            best[index] = max(best.get(index, 0.0), score)
    ranked = sorted(best.items(), key=lambda item: (-item[1], known.names[item[0]]))
    return [known.names[index] for index, _ in ranked[:limit]]


# --------------------------------------------------------------------------- days

def local_day(moment: datetime, tz: tzinfo) -> date:
    """The date in ``tz`` at the (aware) moment."""
    return moment.astimezone(tz).date()


def due_at(day: date, post_time: str, tz: tzinfo) -> datetime:
    """The UTC moment of ``post_time`` on the local ``day``: the first occurrence in an
    overlap; in a gap, the moment the clocks jump (the first valid local time after it)."""
    wall = datetime.combine(day, clock_time(post_time))
    first = wall.replace(tzinfo=tz)  # fold=0: the offset before a change
    moment = first.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) == wall:
        return moment  # it exists (the first of two, in an overlap)
    # In a gap: fold=0 reads the wall with the offset before the jump (a moment after it),
    # fold=1 with the offset after (a moment before it); the jump lies between.
    low = int(wall.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    high = int(moment.timestamp())
    low, high = min(low, high), max(low, high)
    after = datetime.fromtimestamp(high, UTC).astimezone(tz).utcoffset()
    while high - low > 1:  # (whole seconds: zones change on whole seconds)
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def next_due(after: datetime, post_time: str, tz: tzinfo, *,
             after_day: date | None = None) -> datetime:
    """The first due moment strictly after ``after`` (UTC) of a local day that exists and
    is later than ``after_day`` (if given)."""
    day = local_day(after, tz)
    if after_day is not None and day <= after_day:
        day = after_day + timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        moment = due_at(day, post_time, tz)
        if moment > after and local_day(moment, tz) == day:
            return moment
        day += timedelta(days=1)
    raise ValueError(f"no due moment for {post_time} in {tz} after {after}")  # (cannot happen)


def first_due(day: date, post_time: str, tz: tzinfo) -> tuple[date, datetime]:
    """The first local day from ``day`` on that exists, and its due moment."""
    for _ in range(_SEARCH_DAYS):
        moment = due_at(day, post_time, tz)
        if local_day(moment, tz) == day:
            return day, moment
        day += timedelta(days=1)
    raise ValueError(f"no local day from {day} in {tz}")  # (cannot happen)


def end_of_day(day: date, tz: tzinfo) -> datetime:
    """The UTC moment the local ``day`` ends (the next day's first moment)."""
    return first_moment(day + timedelta(days=1), tz)


def first_moment(day: date, tz: tzinfo) -> datetime:
    """The UTC moment the local ``day`` starts (after a gap at midnight: when it ends)."""
    return due_at(day, "00:00", tz)


def describe(moment: datetime, tz: tzinfo) -> str:
    """A moment as people read it in the zone: ``"Tue 8 Dec 2026, 09:00 CET"``
    (no locale: the same words everywhere)."""
    local = moment.astimezone(tz)
    name = local.tzname() or ""
    return (f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}, "
            f"{local:%H:%M} {name}").rstrip()
