"""``notecast quote`` and ``notecast quotes``, run as users run them: the JSON shapes, the
terminal text (no escape sequence from a note), the exit codes, and read-only: a cache of
another vault is answered from, never synced, created or rebuilt."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.cli.helpers import notecast
from tests.quotes.test_store import quote_vault, stamp
from tests.search.helpers import write_note

QUOTE_KEYS = {"text", "speaker", "t", "url", "section", "line"}
HOSTILE = f"""
Harbour \x1b[2Jtales {stamp("00:00:05")}.

## Warnings

> "Beware the \x1b[31mred\x1b[0m tide\u202e at night." – Mara Voss {stamp("00:01:02")}
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(the cache of a small vault of quotes, built by ``notecast index``; the vault; a
    folder for the runs)."""
    home = tmp_path_factory.mktemp("quotes")
    vault = quote_vault(home / "vault")
    write_note(vault, "docks", "harbour_tales", "Harbour tales", HOSTILE, video="abcdefghi09")
    db = home / "cache.db"
    built = notecast("index", "--notes", str(vault), "--db", str(db), tmp_path=home)
    assert built.returncode == 0, built.stderr
    return db, vault, home


def run(cache: tuple[Path, Path, Path], *args: str,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    db, _, home = cache
    return notecast(*args, "--db", str(db), tmp_path=home, env=env)


def one_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("notecast: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_quotes_of_a_note_as_json(cache: tuple[Path, Path, Path]) -> None:
    result = run(cache, "quotes", "--note", "talks/negotiation_tactics", "--json")
    assert result.returncode == 0, result.stderr
    quotes = json.loads(result.stdout)["quotes"]
    assert all(set(q) == QUOTE_KEYS for q in quotes)
    assert [q["line"] for q in quotes] == [12, 14, 19, 24]  # 1-based, file order
    assert [q["speaker"] for q in quotes] == ["Sam Altman", None, "Dana Whitfield",
                                              "Dana Whitfield"]
    first = quotes[0]
    assert first["t"] == 750 and first["section"] == "Anchoring the first offer"
    assert first["url"] == "https://www.youtube.com/watch?v=abcdefghi01&t=750s"
    assert first["text"].startswith('"Whoever names the first number')


def test_a_note_without_quotes_an_unknown_note_and_its_text(
        cache: tuple[Path, Path, Path]) -> None:
    empty = run(cache, "quotes", "--note", "kitchen/knife_care", "--json")
    assert empty.returncode == 1 and json.loads(empty.stdout) == {"quotes": []}
    assert "notecast: " in one_line(run(cache, "quotes", "--note", "zzqx vvbn"), 1)
    text = run(cache, "quotes", "--note", "talks/negotiation_tactics")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Negotiation tactics: 4 quotes\n")
    assert "   — Dana Whitfield" in text.stdout
    assert "12:30 https://www.youtube.com/watch?v=abcdefghi01&t=750s" in text.stdout
    assert "(the note names no speaker)" in text.stdout


def test_a_quote_by_a_misspelt_speaker_as_json(cache: tuple[Path, Path, Path]) -> None:
    result = run(cache, "quote", "--speaker", "Dana Whitfeild", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    quote = answer["quote"]
    assert set(quote) == QUOTE_KEYS | {"note", "channel", "episode"}
    assert quote["speaker"] == "Dana Whitfield" and quote["line"] in (19, 24)
    assert quote["note"] == {"channel": "talks", "slug": "negotiation_tactics",
                             "title": "Negotiation tactics"}
    assert quote["episode"]["url"] == "https://www.youtube.com/watch?v=abcdefghi01"
    assert answer["matches"] == 2
    by_topic = json.loads(run(cache, "quote", "--topic", "negotiaton tactics", "--channel",
                              "talks", "--json").stdout)
    assert by_topic["quote"]["note"]["slug"] == "negotiation_tactics"


def test_no_match_prints_suggestions_and_exits_1(cache: tuple[Path, Path, Path]) -> None:
    result = run(cache, "quote", "--speaker", "Zebulon Qrst", "--json")
    assert result.returncode == 1, result.stderr
    answer = json.loads(result.stdout)
    assert answer["quote"] is None and answer["suggest_speakers"]
    assert set(answer) == {"quote", "suggest_speakers", "suggest_topics"}
    text = run(cache, "quote", "--speaker", "Dana Whitfield", "--topic", "sourdough")
    assert text.returncode == 1
    assert text.stdout.startswith("No quote by “Dana Whitfield” on “sourdough”.")
    assert "Notes with quotes:\n  • Negotiation tactics" in text.stdout
    assert "There is no channel" in one_line(run(cache, "quote", "--channel", "nowhere"), 1)


def test_a_hostile_quote_is_printed_without_any_escape(cache: tuple[Path, Path, Path]) -> None:
    result = run(cache, "quote", "--speaker", "Mara Voss")
    assert result.returncode == 0, result.stderr
    assert "Beware the [31mred[0m tide at night." in result.stdout
    assert "— Mara Voss" in result.stdout
    assert "1:02 https://www.youtube.com/watch?v=abcdefghi09&t=62s" in result.stdout
    for bad in ("\x1b", "\u202e"):
        assert bad not in result.stdout


def _state(db: Path) -> dict[str, str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT key, value FROM sync_state"))
    finally:
        con.close()


def test_read_only_a_cache_of_another_vault_is_answered_from_never_synced(
        cache: tuple[Path, Path, Path], tmp_path: Path) -> None:
    db, vault, _ = cache
    before = _state(db)
    note = vault / "talks" / "negotiation_tactics.md"
    text = note.read_text(encoding="utf-8")
    try:
        note.write_text(text.replace("cheapest leverage", "newest words"), encoding="utf-8")
        other = quote_vault(tmp_path / "other")
        env = {"NOTECAST_NOTES_DIR": str(other)}
        for args in (("quote", "--speaker", "Dana Whitfield", "--json"),
                     ("quotes", "--note", "talks/negotiation_tactics", "--json")):
            result = run(cache, *args, env=env)
            assert result.returncode == 0, result.stderr
            assert "newest words" not in result.stdout
        listed = json.loads(run(cache, "quotes", "--note", "talks/negotiation_tactics",
                                "--json").stdout)["quotes"]
        assert any("cheapest leverage" in q["text"] for q in listed)  # what the cache holds
        assert _state(db) == before  # not synced
        assert before["notes_dir"] == os.path.realpath(vault)
    finally:
        note.write_text(text, encoding="utf-8")


def test_a_missing_cache_is_not_created_and_an_old_one_says_to_index(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    line = one_line(notecast("quote", "--db", str(missing), tmp_path=tmp_path), 2)
    assert "notecast index" in line and not missing.exists()
    # a cache written without the quotes' tables (by a Notecast from before them)
    vault = quote_vault(tmp_path / "vault")
    db = tmp_path / "old.db"
    built = notecast("index", "--notes", str(vault), "--db", str(db), tmp_path=tmp_path)
    assert built.returncode == 0, built.stderr
    con = sqlite3.connect(db)
    try:
        for table in ("quotes_fts", "quote_aliases", "quote_speakers", "quotes"):
            con.execute(f"DROP TABLE {table}")
        con.execute("DELETE FROM sync_state WHERE key = 'derived:quotes'")
        con.commit()
    finally:
        con.close()
    for args in (("quote", "--speaker", "Dana Whitfield"),
                 ("quotes", "--note", "talks/negotiation_tactics", "--json")):
        line = one_line(notecast(*args, "--db", str(db), tmp_path=tmp_path), 2)
        assert "notecast index" in line
    assert "derived:quotes" not in _state(db)  # (still not built: a lookup never writes)
