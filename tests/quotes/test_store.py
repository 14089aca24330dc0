"""Quotes in the notes cache (QuoteTables): built with the notes, following edits and
deletions in the same sync, identities resolved again in the channels a sync touched, the
same after a rebuild, and never losing the notes when classifying fails.

Every note here is made up (``quote_vault``); ``test_service`` and the CLI tests use it too.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from bot.quotes import classify as classify_module
from bot.quotes import speakers as speakers_module
from bot.quotes.speakers import Identity
from bot.quotes.store import QuoteTables
from tests.search.helpers import write_note


def stamp(value: str) -> str:
    return f'<a class="yt-timestamp" data-t="{value}">[{value}]</a>'


NEGOTIATION = f"""
The talk opens on first offers {stamp("00:01:05")}.

## Anchoring the first offer

> "Whoever names the first number sets the frame for the whole talk." – Sam Altman {stamp("00:12:30")}

> "A deal nobody can explain is a deal nobody will keep."

> [!info] Background
> The talk was recorded in a small studio.

> "Patience is the cheapest leverage you will ever own."
> — Dana Whitfield

## Walking away

Dana Whitfield: "Silence makes the other side fill the gap." {stamp("00:20:00")}
"""
HARBOUR = f"""
Boats and tides {stamp("00:00:40")}.

## Lighthouses

> "A lighthouse does not chase ships; it stays bright." – Okafor {stamp("00:03:00")}

> "Every harbour is a promise that the sea will end somewhere." – Priya Raman
"""
COOKING = f"""
Sourdough at home {stamp("00:02:00")}.

## Starters

> "A starter is a pet that pays rent in bread." – Altman

> [!tip] Feeding
> Feed it twice a day.
"""
NO_QUOTES = """
Plain prose only.

## Notes

> [!note] Reminder
> Nothing to quote here.
"""


def quote_vault(root: Path) -> Path:
    """Two channels: ``talks`` (negotiation, harbours) and ``kitchen`` (cooking, a note
    without quotes)."""
    write_note(root, "talks", "negotiation_tactics", "Negotiation tactics", NEGOTIATION,
               video="abcdefghi01")
    write_note(root, "talks", "harbour_lights", "Harbour lights", HARBOUR, video="abcdefghi02")
    write_note(root, "kitchen", "sourdough_basics", "Sourdough basics", COOKING,
               video="abcdefghi03")
    write_note(root, "kitchen", "knife_care", "Knife care", NO_QUOTES, video="abcdefghi04")
    return root


def surname_resolver(names: Mapping[str, Mapping[str, int]]) -> dict[tuple[str, str], Identity]:
    """A stand-in for ``speakers.resolve`` with one rule: a lone surname is the full name
    that ends with it in the same channel, when exactly one does (the real rules live,
    and are tested, in bot/quotes/speakers.py)."""
    out: dict[tuple[str, str], Identity] = {}
    for channel, counts in names.items():
        full = {w: w for w in counts if " " in w}
        groups: dict[str, list[str]] = {w: [w] for w in counts}
        for written in counts:
            if " " not in written:
                owners = [f for f in full if f.split()[-1] == written]
                if len(owners) == 1:
                    groups[owners[0]].append(written)
                    del groups[written]
        for name, members in groups.items():
            identity = Identity(channel, name, tuple(sorted(members)))
            for member in members:
                out[(channel, member)] = identity
    return out


Row = tuple[str, int, str, str | None, str | None, int | None, str, int]


def quotes_in(db: Path) -> set[Row]:
    """(channel/slug, line, text, identity name, name as written, seconds, moment,
    paraphrase) of every stored quote."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return set(con.execute("""
            SELECT n.channel || '/' || n.slug, q.line, q.text, s.name, q.speaker_written,
                   q.seconds, q.moment, q.paraphrase
            FROM quotes AS q JOIN notes AS n ON n.id = q.note_id
            LEFT JOIN quote_speakers AS s ON s.id = q.identity_id"""))
    finally:
        con.close()


def speakers_in(db: Path) -> dict[tuple[str, str], tuple[int, set[str]]]:
    """(channel, name) -> (quotes, aliases)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        out = {}
        for ident, channel, name, quotes in con.execute(
                "SELECT id, channel, name, quotes FROM quote_speakers"):
            aliases = {a for (a,) in con.execute(
                "SELECT alias FROM quote_aliases WHERE identity_id = ?", (ident,))}
            out[(channel, name)] = (quotes, aliases)
        return out
    finally:
        con.close()


def fts_count(db: Path, words: str) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT COUNT(*) FROM quotes_fts WHERE quotes_fts MATCH ?",
                               (words,)).fetchone()[0])
    finally:
        con.close()


async def synced(vault: Path, db: Path, **kwargs: bool) -> None:
    async with NotesCache(db, workers=1, derived=[QuoteTables()]) as cache:
        await cache.sync(vault, **kwargs)


async def test_quotes_appear_after_a_sync_with_speakers_lines_and_moments(
        tmp_path: Path) -> None:
    vault = quote_vault(tmp_path / "vault")
    db = tmp_path / "c.db"
    await synced(vault, db)
    rows = {(r[0], r[1]): r for r in quotes_in(db)}
    negotiation = "talks/negotiation_tactics"
    # (the note's line 1 is the frontmatter's "---"; its first quote is on line 12)
    first = rows[(negotiation, 12)]
    assert first[2].startswith('"Whoever names the first number')
    assert first[3:8] == ("Sam Altman", "Sam Altman", 750, "own", 0)
    assert rows[(negotiation, 14)][3] is None  # no name: the episode's, never a guess
    assert rows[(negotiation, 19)][3] == "Dana Whitfield"
    assert rows[(negotiation, 24)][3:7] == ("Dana Whitfield", "Dana Whitfield", 1200, "own")
    lines = (vault / "talks" / "negotiation_tactics.md").read_text().splitlines()
    for (path, line), row in rows.items():
        if path == negotiation:
            assert row[2].strip('"“”')[:20] in lines[line - 1]  # 1-based, the quote's line
    assert not any("Nothing to quote" in r[2] or "small studio" in r[2] for r in rows.values())
    assert {r[0] for r in rows.values()} == {negotiation, "talks/harbour_lights",
                                             "kitchen/sourdough_basics"}
    found = speakers_in(db)
    assert found[("talks", "Dana Whitfield")][0] == 2
    assert found[("talks", "Sam Altman")][0] == 1
    assert fts_count(db, "leverage") == 1 and fts_count(db, "studio") == 0


async def test_an_edit_changes_a_notes_quotes_and_a_deletion_removes_them(
        tmp_path: Path) -> None:
    vault = quote_vault(tmp_path / "vault")
    db = tmp_path / "c.db"
    await synced(vault, db)
    before = quotes_in(db)
    untouched = {r for r in before if r[0] != "talks/negotiation_tactics"}
    write_note(vault, "talks", "negotiation_tactics", "Negotiation tactics",
               NEGOTIATION.replace("cheapest leverage", "quietest weapon")
               .replace("Dana Whitfield:", "Marco Ruiz:"), video="abcdefghi01")
    await synced(vault, db)
    after = quotes_in(db)
    texts = {r[2] for r in after}
    assert '"Patience is the quietest weapon you will ever own."' in texts
    assert not any("cheapest leverage" in t for t in texts)
    assert fts_count(db, "leverage") == 0 and fts_count(db, "weapon") == 1
    assert {r for r in after if r[0] != "talks/negotiation_tactics"} == untouched
    found = speakers_in(db)
    assert found[("talks", "Dana Whitfield")][0] == 1 and ("talks", "Marco Ruiz") in found

    (vault / "talks" / "negotiation_tactics.md").unlink()
    await synced(vault, db)
    assert {r for r in quotes_in(db)} == untouched
    assert fts_count(db, "weapon") == 0
    found = speakers_in(db)
    assert ("talks", "Dana Whitfield") not in found and ("talks", "Sam Altman") not in found
    assert ("talks", "Okafor") in found and ("talks", "Priya Raman") in found


async def test_a_full_name_merges_a_lone_surname_only_in_its_channel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speakers_module, "resolve", surname_resolver)
    vault = tmp_path / "vault"
    write_note(vault, "talks", "harbour_lights", "Harbour lights",
               HARBOUR.replace("– Okafor", "– Altman"), video="abcdefghi02")
    write_note(vault, "kitchen", "sourdough_basics", "Sourdough basics", COOKING,
               video="abcdefghi03")
    db = tmp_path / "c.db"
    await synced(vault, db)
    assert ("talks", "Altman") in speakers_in(db)
    write_note(vault, "talks", "negotiation_tactics", "Negotiation tactics", NEGOTIATION,
               video="abcdefghi01")
    await synced(vault, db)  # an incremental sync: one new note in "talks"
    found = speakers_in(db)
    assert ("talks", "Altman") not in found
    assert found[("talks", "Sam Altman")] == (2, {"Sam Altman", "Altman"})
    assert found[("kitchen", "Altman")] == (1, {"Altman"})  # another channel: not merged
    lighthouse = next(r for r in quotes_in(db) if "lighthouse" in r[2])
    assert lighthouse[3:5] == ("Sam Altman", "Altman")  # the identity, and as written

    (vault / "talks" / "negotiation_tactics.md").unlink()
    await synced(vault, db)  # the full name gone: the surname stands alone again
    assert ("talks", "Altman") in speakers_in(db)
    assert ("talks", "Sam Altman") not in speakers_in(db)


async def test_a_rebuilt_cache_holds_the_same_quotes(tmp_path: Path) -> None:
    vault = quote_vault(tmp_path / "vault")
    db = tmp_path / "c.db"
    await synced(vault, db)
    write_note(vault, "kitchen", "knife_care", "Knife care",
               NO_QUOTES + '\n> "Sharp knives are safe knives." – Marco Ruiz\n',
               video="abcdefghi04")
    (vault / "talks" / "harbour_lights.md").unlink()
    await synced(vault, db)  # incremental
    rebuilt = tmp_path / "rebuilt.db"
    await synced(vault, rebuilt)  # cold
    assert quotes_in(db) == quotes_in(rebuilt)
    assert speakers_in(db) == speakers_in(rebuilt)
    assert any(r[3] == "Marco Ruiz" for r in quotes_in(rebuilt))


async def test_a_paraphrase_is_kept_flagged_with_no_identity_and_no_full_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = classify_module.classify

    def paraphrasing(kind: str, text: str, *args: object,
                     **kwargs: object) -> classify_module.Classified | None:
        found = real(kind, text, *args, **kwargs)  # type: ignore[arg-type]
        if found is not None and "Silence" in text:
            return classify_module.Classified(found.text, found.speaker, None, True, found.shape)
        return found

    monkeypatch.setattr(classify_module, "classify", paraphrasing)
    vault = quote_vault(tmp_path / "vault")
    db = tmp_path / "c.db"
    await synced(vault, db)
    silence = next(r for r in quotes_in(db) if "Silence" in r[2])
    assert silence[3] is None and silence[7] == 1  # never anyone's words
    assert silence[4] == "Dana Whitfield"  # (what the note wrote, kept for measuring)
    assert speakers_in(db)[("talks", "Dana Whitfield")][0] == 1
    assert fts_count(db, "silence") == 0


async def test_a_failed_classify_does_not_lose_the_notes_sync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    vault = quote_vault(tmp_path / "vault")
    db = tmp_path / "c.db"
    await synced(vault, db)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("classifier blew up")

    monkeypatch.setattr(classify_module, "classify", broken)
    write_note(vault, "talks", "harbour_lights", "Harbour lights at dusk", HARBOUR,
               video="abcdefghi02")
    with caplog.at_level(logging.ERROR):
        await synced(vault, db)
    assert "classifier blew up" in caplog.text
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        titles = {t for (t,) in con.execute("SELECT title FROM notes")}
        state = con.execute(
            "SELECT value FROM sync_state WHERE key = 'derived:quotes'").fetchone()
    finally:
        con.close()
    assert "Harbour lights at dusk" in titles  # the notes are synced
    assert state is None  # ... and the quotes are marked to be built again

    monkeypatch.undo()
    await synced(vault, db)  # nothing changed in the vault: the quotes are built
    assert quotes_in(db) == quotes_in(await _cold_copy(vault, tmp_path))


async def _cold_copy(vault: Path, tmp_path: Path) -> Path:
    db = tmp_path / "cold.db"
    await synced(vault, db)
    return db
