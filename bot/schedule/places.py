"""Which time-zone names an admin may pick: places, not abbreviations or offsets.

The zone database also holds names that are not places: fixed offsets (``EST``, ``MST``,
``HST``, ``Etc/GMT+5``, which is UTC-5: its sign is inverted), the old US-style rules
(``EST5EDT``, ``CET``) and legacy aliases (``US/Eastern``, ``Asia/Calcutta``, ``Japan``). A
server set to ``EST`` posts an hour late all summer in New York. So the names offered and
accepted are the places (``zone.tab``'s names and the database's own zones under a
continent or an ocean) and ``UTC``; UTC's aliases (``GMT``, ``Etc/UTC``, ...) are accepted
too. Anything else is refused with the places to use instead (:func:`refusal`), found in a
small table of the usual abbreviations (:data:`ABBREVIATIONS`), then from the alias's own
zone, then by the offset.

Read from the ``tzdata`` package (a dependency, whatever the system's zone database), once,
on first use. Pure functions.
"""

from __future__ import annotations

import functools
import logging
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

log = logging.getLogger(__name__)

AREAS = frozenset({"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic",
                   "Australia", "Europe", "Indian", "Pacific"})
UTC_ZONES = ("Etc/UTC", "Etc/GMT")  # UTC: these and their aliases
OFFERED_UTC = "UTC"
FIXED = frozenset({"EST", "MST", "HST"})  # fixed offsets under a DST-zone's abbreviation
_ETC_OFFSET = re.compile(r"Etc/GMT([+-])([0-9]{1,2})")
SUGGESTED = 3  # places named in a refusal
# moments at which a place's standard offset is read (the smaller of winter and summer)
_SEASONS = (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC))

_US_EAST = ("America/New_York", "America/Toronto")
_US_CENTRAL = ("America/Chicago", "America/Mexico_City")
_US_MOUNTAIN = ("America/Denver", "America/Phoenix", "America/Edmonton")
_US_PACIFIC = ("America/Los_Angeles", "America/Vancouver")
_UK = ("Europe/London", "Europe/Dublin")
_EU_CENTRAL = ("Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome")
_EU_EAST = ("Europe/Athens", "Europe/Helsinki", "Europe/Kyiv")
_AU_EAST = ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane")
_AU_CENTRAL = ("Australia/Adelaide", "Australia/Darwin")
# what people type (casefolded) -> the places usually meant, most likely first
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("est", "edt", "et", "est5edt"), _US_EAST),
    **dict.fromkeys(("cdt", "ct", "cst6cdt"), _US_CENTRAL),
    "cst": (*_US_CENTRAL, "Asia/Shanghai"),
    **dict.fromkeys(("mst", "mdt", "mt", "mst7mdt"), _US_MOUNTAIN),
    **dict.fromkeys(("pst", "pdt", "pt", "pst8pdt"), _US_PACIFIC),
    **dict.fromkeys(("akst", "akdt"), ("America/Anchorage",)),
    **dict.fromkeys(("hst", "hdt"), ("Pacific/Honolulu",)),
    **dict.fromkeys(("ast", "adt"), ("America/Halifax", "America/Puerto_Rico")),
    **dict.fromkeys(("nst", "ndt"), ("America/St_Johns",)),
    "gmt": (*_UK, OFFERED_UTC), "bst": (*_UK, "Asia/Dhaka"),
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    **dict.fromkeys(("wet", "west"), ("Europe/Lisbon", "Atlantic/Canary")),
    **dict.fromkeys(("cet", "cest", "met", "mest"), _EU_CENTRAL),
    **dict.fromkeys(("eet", "eest"), _EU_EAST),
    "msk": ("Europe/Moscow",), "gst": ("Asia/Dubai",), "pkt": ("Asia/Karachi",),
    "ict": ("Asia/Bangkok", "Asia/Ho_Chi_Minh"), "wib": ("Asia/Jakarta",),
    "hkt": ("Asia/Hong_Kong",), "sgt": ("Asia/Singapore",), "jst": ("Asia/Tokyo",),
    "kst": ("Asia/Seoul",), "awst": ("Australia/Perth",),
    **dict.fromkeys(("aest", "aedt"), _AU_EAST),
    **dict.fromkeys(("acst", "acdt"), _AU_CENTRAL),
    **dict.fromkeys(("nzst", "nzdt"), ("Pacific/Auckland",)),
    "sast": ("Africa/Johannesburg",), "wat": ("Africa/Lagos",), "cat": ("Africa/Maputo",),
    "eat": ("Africa/Nairobi",), "brt": ("America/Sao_Paulo",),
    "art": ("America/Argentina/Buenos_Aires",),
    "iceland": ("Atlantic/Reykjavik",),  # (the alias's own zone is Africa/Abidjan)
}
# with the table's places, one for each whole-hour offset from UTC-11 to UTC+14 (for
# Etc/GMT±N; UTC-12 has no people)
OTHER_OFFSETS = ("Pacific/Pago_Pago", "America/Noronha", "Atlantic/Azores", "Pacific/Noumea",
                 "Pacific/Tongatapu", "Pacific/Kiritimati")


@dataclass(frozen=True, slots=True)
class Catalogue:
    places: frozenset[str]  # zone.tab's names and the database's zones in AREAS
    links: dict[str, str]  # an alias -> the zone it stands for
    known: frozenset[str]  # every name of the database (zones and aliases)
    utc: frozenset[str]  # UTC and its aliases


def _geographic(name: str) -> bool:
    area, _, rest = name.partition("/")
    return area in AREAS and bool(rest)


def _read(name: str) -> str:
    return (resources.files("tzdata.zoneinfo") / name).read_text(encoding="utf-8")


@functools.cache
def catalogue() -> Catalogue:
    """The database's places, aliases and UTC names, from ``tzdata`` (read once). Without
    its files, every name under a continent or an ocean counts as a place."""
    zones: set[str] = set()
    links: dict[str, str] = {}
    places: set[str] = set()
    try:
        for line in _read("tzdata.zi").splitlines():
            fields = line.split()
            if len(fields) >= 2 and fields[0] == "Z":
                zones.add(fields[1])
            elif len(fields) >= 3 and fields[0] == "L":
                links[fields[2]] = fields[1]
        for line in _read("zone.tab").splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and not line.startswith("#"):
                places.add(fields[2])
    except (OSError, ModuleNotFoundError, UnicodeDecodeError):
        log.warning("time zones: tzdata's tables could not be read; every Area/Location "
                    "name counts as a place", exc_info=True)
        zones = {n for n in zoneinfo.available_timezones() if _geographic(n)}
    places |= {name for name in zones if _geographic(name)}
    utc = {*UTC_ZONES, OFFERED_UTC, *(alias for alias, target in links.items()
                                      if target in UTC_ZONES)}
    return Catalogue(frozenset(places), links, frozenset(zones | links.keys()), frozenset(utc))


def is_place(name: str) -> bool:
    """A place's zone (``Europe/Paris``): one an admin may pick. Names the database does
    not have (a newer system's) count as places when they have a continent's form."""
    known = catalogue()
    return name in known.places or (name not in known.known and _geographic(name))


def accepted(name: str) -> bool:
    """A name ``/qotd set`` takes: a place, or UTC (under any of its names)."""
    return name in catalogue().utc or is_place(name)


def offered(name: str) -> bool:
    """A name autocomplete offers: a place, or ``UTC``."""
    return name == OFFERED_UTC or is_place(name)


def _etc_offset(name: str) -> timedelta | None:
    """``Etc/GMT+5`` -> UTC-5 (POSIX's inverted sign); ``None`` for other names."""
    match = _ETC_OFFSET.fullmatch(name)
    if match is None or name in catalogue().utc:
        return None
    hours = int(match[2])
    return timedelta(hours=-hours if match[1] == "+" else hours)


@functools.cache
def _standard_offset(name: str) -> timedelta | None:
    try:
        tz = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    offsets = [moment.astimezone(tz).utcoffset() for moment in _SEASONS]
    return min(offset for offset in offsets if offset is not None)


def _with_offset(offset: timedelta) -> list[str]:
    """Places whose standard time is ``offset``: the table's usual places first."""
    usual = dict.fromkeys([*(p for places in ABBREVIATIONS.values() for p in places),
                           *OTHER_OFFSETS])
    return [p for p in usual if p != OFFERED_UTC and _standard_offset(p) == offset]


def suggestions(name: str) -> list[str]:
    """The places most likely meant by a name that is not one, most likely first."""
    found = list(ABBREVIATIONS.get(name.casefold(), ()))
    target = catalogue().links.get(name)
    if target is not None and is_place(target) and name not in FIXED:
        found.append(target)
    offset = _etc_offset(name)
    if offset is not None:
        found.extend(_with_offset(offset))
    usable = [p for p in dict.fromkeys(found) if offered(p)]
    return usable[:SUGGESTED]


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _hours(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def refusal(name: str) -> str | None:
    """Why a zone name of the database is not taken, naming the places to use instead;
    ``None`` when it is taken (:func:`accepted`)."""
    if accepted(name):
        return None
    places = suggestions(name)
    use = (f"use a place, such as {_either(places)}" if places
           else "use a place (Area/City), such as Europe/London or America/New_York")
    offset = _etc_offset(name)
    if offset is not None:
        return (f"{name} is always {_hours(offset)} (its sign is inverted) and has no "
                f"daylight saving time: {use}.")
    if name in FIXED:
        return f"{name} has no daylight saving time: {use}."
    return f"{name} is an old name, not a place: {use}."
