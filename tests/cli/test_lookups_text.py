"""``notecast topic``, ``search`` and ``related`` without ``--json``, run as users run them:
a terminal rendering of the services' answer, safe from hostile note text, and never an
import of discord.py or of ``cogs`` (a one-shot lookup must stay small and quick)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import notecast, user_env, write_vault

MOMENT = re.compile(r"https://www\.youtube\.com/watch\?v=abcdefghi0\d&t=\d+s")
HOSTILE_NOTE = """---
title: Harbour lights
videoId: abcdefghi00
---

From: [[show00]] <br/>

The harbour \x1b[2Jopens\u202e here <a class="yt-timestamp" data-t="00:00:07">[00:00:07]</a>.

## Beacon \x1b[31mkeepers\x1b[0m\x9b

Beacon keepers guard the \x1b]0;evil\x07lamps \
<a class="yt-timestamp" data-t="01:02:03">[01:02:03]</a> and see [[tide_0_1 | the tide note]].
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the cache of a small vault with one hostile note, a folder for the runs)."""
    home = tmp_path_factory.mktemp("lookups")
    vault = write_vault(home / "vault", channels=2, notes_per_channel=3, words="tide")
    (vault / "show00" / "harbour_lights.md").write_text(HOSTILE_NOTE, encoding="utf-8")
    db = home / "cache.db"
    built = notecast("index", "--notes", str(vault), "--db", str(db), tmp_path=home)
    assert built.returncode == 0, built.stderr
    return db, home


def lookup(cache: tuple[Path, Path], *args: str) -> subprocess.CompletedProcess[str]:
    db, home = cache
    return notecast(*args, "--db", str(db), tmp_path=home)


def test_topic_prints_the_note_its_sections_moments_and_other_matches(
        cache: tuple[Path, Path]) -> None:
    result = lookup(cache, "topic", "tide 1 2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["Tide 1 2", "Show 1 · Episode 1",
                         "https://www.youtube.com/watch?v=abcdefghi01"]
    assert "Tide 1 2 opens with a short overview." in lines
    assert "Sections:" in lines and "   1. Part 2 of tide" in lines  # (no moment in it)
    assert "Links to:" in lines and "  • Tide 1 0" in lines
    assert "Other matches:" in lines
    assert "**" not in result.stdout and "buttons" not in result.stdout  # not the Discord form


def test_topic_shows_a_hostile_note_without_any_escape(cache: tuple[Path, Path]) -> None:
    result = lookup(cache, "topic", "beacon keepers lamps")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Harbour lights\n")
    assert "Matched in section 1, “Beacon [31mkeepers[0m” (by " in result.stdout
    assert "›  1. Beacon [31mkeepers[0m  1:02:03 " \
        "https://www.youtube.com/watch?v=abcdefghi00&t=3723s" in result.stdout.splitlines()
    assert MOMENT.search(result.stdout)
    assert "see the tide note" in result.stdout
    for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert bad not in result.stdout


def test_topic_with_no_good_match_lists_the_closest_titles(cache: tuple[Path, Path]) -> None:
    result = lookup(cache, "topic", "tyde\x1b[2J")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "No note matches “tyde[2J” well."
    assert lines[1] == "Did you mean:" and lines[2].startswith("  • Tide ")


def test_search_numbers_the_hits_with_their_links(cache: tuple[Path, Path]) -> None:
    result = lookup(cache, "search", "tide pattern")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r" 1\. Tide \d \d › Part \d of tide — show0\d", lines[0])
    assert "**tide** **pattern**" in lines[1]
    first = lines[: lines.index("") if "" in lines else len(lines)]
    assert re.fullmatch(r"    https://www\.youtube\.com/watch\?v=abcdefghi0\d", first[-1])
    hostile = lookup(cache, "search", "beacon keepers")
    assert hostile.returncode == 0, hostile.stderr
    assert " 1. Harbour lights › Beacon [31mkeepers[0m — show00" in hostile.stdout
    assert "\x1b" not in hostile.stdout and "\x9b" not in hostile.stdout
    none = lookup(cache, "search", "zzyzx")
    assert none.returncode == 1
    assert none.stdout == "No section holds the words of “zzyzx”. Try fewer or other words.\n"


def test_related_lists_links_backlinks_and_the_episode(cache: tuple[Path, Path]) -> None:
    result = lookup(cache, "related", "show00/tide_0_1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["Tide 0 1", "show00/tide_0_1"]
    assert "Links to (1):" in lines and "  • Tide 0 2 (show00/tide_0_2)" in lines
    assert "Linked from (2):" in lines and "  • Harbour lights (show00/harbour_lights)" in lines
    assert "Same episode (3):" in lines
    assert "\x1b" not in result.stdout


@pytest.mark.parametrize("args, says", [
    (("topic", "!!!"), "no words"),
    (("topic", "tide", "--channel", "nowhere"), "no channel called “nowhere”"),
    (("search", "tide", "--channel", "nowhere"), "no channel called “nowhere”"),
    (("search", "…"), "no words"),
    (("related", "qqqq zzzz"), "which note “qqqq zzzz”"),
])
def test_a_lookup_that_cannot_run_is_one_line(cache: tuple[Path, Path], args: tuple[str, ...],
                                              says: str) -> None:
    result = lookup(cache, *args)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("notecast: ")
    assert says in result.stderr


def test_the_text_lookups_never_import_discord_or_the_cogs(cache: tuple[Path, Path]) -> None:
    """Before: the text answers were the Discord replies (cogs, discord.py: ~22 MB, 0.25 s)."""
    db, home = cache
    script = (
        "import sys\n"
        "from bot.cli.main import run_cli\n"
        f"db = {str(db)!r}\n"
        "codes = [run_cli([*args, '--db', db]) for args in (['topic', 'tide 1 2'],\n"
        "         ['topic', 'qqqq zzzz'], ['search', 'tide'], ['related', 'show00/tide_0_1'])]\n"
        "print(codes, sorted(m for m in sys.modules if m.split('.')[0] in ('discord', 'cogs')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=user_env(home), cwd=home, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[0, 1, 0, 0] []"
