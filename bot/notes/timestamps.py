"""Timestamps: a ``data-t`` value to seconds (repairing the generator's hour slips) and back."""

from __future__ import annotations

import functools
import re

# The generator read at most four hours of captions: a larger hour is a unit error.
MAX_GENERATED_HOURS = 4

_TS_VALUE = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$", re.ASCII)


@functools.lru_cache(maxsize=32768)
def parse_timestamp(raw: str) -> tuple[int, bool] | None:
    """A ``data-t`` value to ``(seconds, repaired)``, or ``None`` when it is malformed.

    Accepts ``HH:MM:SS``, ``H:MM:SS`` and ``MM:SS``. An hour of 4 or more cannot come from
    the generator (it read at most four hours): when the value reads as ``MM:SS`` followed
    by a stray field (hour < 60, minute < 60) it is repaired that way and flagged.
    """
    if len(raw) == 8 and raw[2] == ":" and raw[5] == ":":  # the usual HH:MM:SS
        # int() alone would take "-5", "+5" or " 5": every field must be two ASCII digits
        if not (raw.isascii() and raw[0:2].isdigit() and raw[3:5].isdigit()
                and raw[6:8].isdigit()):
            return None
        hours, minutes, seconds = int(raw[0:2]), int(raw[3:5]), int(raw[6:8])
        if minutes >= 60 or seconds >= 60:
            return None
        if hours >= MAX_GENERATED_HOURS:
            return hours * 60 + minutes, True
        return hours * 3600 + minutes * 60 + seconds, False
    match = _TS_VALUE.match(raw.strip())
    if match is None:
        return None
    a, b, c = match.groups()
    if c is None:  # MM:SS
        minutes, seconds = int(a), int(b)
        if seconds >= 60:
            return None
        return minutes * 60 + seconds, False
    hours, minutes, seconds = int(a), int(b), int(c)
    if minutes >= 60 or seconds >= 60:
        return None
    if hours >= MAX_GENERATED_HOURS:
        # "12:48:00" is 12:48 written with an extra field
        return hours * 60 + minutes, True
    return hours * 3600 + minutes * 60 + seconds, False


def format_seconds(seconds: int) -> str:
    """``754`` -> ``"12:34"``; ``3754`` -> ``"1:02:34"``."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

