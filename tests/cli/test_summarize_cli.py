"""``notecast summarize``, run as users run it: the JSON shape, the terminal text (no escape
sequence from a note), the exit codes, read-only (a cache is never synced or created), and
no discord.py or ``cogs`` imported."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.summarize import LENGTH_CHOICES
from bot.notes.youtube import watch_url
from bot.summaries import LENGTHS
from tests.cli.helpers import notecast, user_env
from tests.e2e.conftest import build_summary_vault

VIDEO = "CoMeTtAiL01"
KEYS = {"note", "section", "length", "sentences", "summarizer"}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(the cache of the summaries vault, built by ``notecast index``; the vault; a folder
    for the runs)."""
    home = tmp_path_factory.mktemp("summaries")
    vault = build_summary_vault(home / "vault")
    db = home / "cache.db"
    built = notecast("index", "--notes", str(vault), "--db", str(db), tmp_path=home)
    assert built.returncode == 0, built.stderr
    return db, vault, home


def run(cache: tuple[Path, Path, Path], *args: str,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    db, _, home = cache
    return notecast("summarize", *args, "--db", str(db), tmp_path=home, env=env)


def one_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("notecast: "), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    return lines[0]


def test_a_whole_note_as_json(cache: tuple[Path, Path, Path]) -> None:
    result = run(cache, "skywatch/comet_tails", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == KEYS
    assert answer["note"] == "skywatch/comet_tails" and answer["section"] is None
    assert answer["length"] == "short" and answer["summarizer"] == "extractive"
    assert 2 <= len(answer["sentences"]) <= 3
    for sentence in answer["sentences"]:
        assert set(sentence) == {"text", "t", "url"}
        assert sentence["url"] == (watch_url(VIDEO, sentence["t"])
                                   if sentence["t"] is not None else None)
    assert any(s["t"] is not None for s in answer["sentences"])


def test_a_section_by_heading_with_its_repaired_moment(cache: tuple[Path, Path, Path]) -> None:
    result = run(cache, "Comet tails", "--section", "two kinds of tail", "--length", "medium",
                 "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["note"] == "skywatch/comet_tails"  # the title found the note
    assert answer["section"] == "Two Kinds of Tail" and answer["length"] == "medium"
    assert {"t": 2843, "url": f"https://www.youtube.com/watch?v={VIDEO}&t=2843s"} in [
        {"t": s["t"], "url": s["url"]} for s in answer["sentences"]]  # "47:23:10", repaired
    assert all("Halley" not in s["text"] for s in answer["sentences"])
    whole = json.loads(run(cache, "skywatch/comet_tails", "--section", "Whole Note",
                           "--json").stdout)
    assert whole["section"] is None


def test_a_note_without_a_valid_video_has_no_url(cache: tuple[Path, Path, Path]) -> None:
    answer = json.loads(run(cache, "skywatch/no_video", "--length", "long", "--json").stdout)
    assert answer["sentences"] and all(s["url"] is None for s in answer["sentences"])
    assert any(s["t"] is not None for s in answer["sentences"])  # the moment, without a link


def test_the_text_is_plain_and_keeps_no_escape_from_the_note(
        cache: tuple[Path, Path, Path]) -> None:
    result = run(cache, "skywatch/hostile_comets", "--length", "long")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = out.splitlines()
    assert lines[0] == ("Hostile @everyone **comets** <@123456789012345678> — long summary "
                        "of whole note")
    assert lines[1] == "Sky Watch · Comets and Meteors, with Ilse Varga"
    assert lines[2] == f"https://www.youtube.com/watch?v={VIDEO}"
    assert f"   ▶ 2:00 https://www.youtube.com/watch?v={VIDEO}&t=120s" in lines
    assert "Beware @everyone" in out and "[2Jevil about" in out
    for bad in ("\x1b", "\u202e", "\u202c", "\x00"):
        assert bad not in out
    assert "Drawn from: Introduction · @everyone <@&42> Pings RTL · Conclusion" in lines
    assert lines[-1] == "Summarizer: extractive"
    section = run(cache, "skywatch/meteor_showers", "--section", "Summary")
    assert section.stdout.startswith("Meteor showers — short summary of “Summary”\n")


def test_unknown_notes_and_sections_exit_1(cache: tuple[Path, Path, Path]) -> None:
    assert "zxqv wubble" in one_line(run(cache, "zxqv wubble"), 1)
    line = one_line(run(cache, "skywatch/comet_tails", "--section", "Nowhere at all"), 1)
    assert "is not a section of" in line
    assert "notecast: " in one_line(run(cache, "\x1b\u202e\u200f"), 1)  # nothing left


def test_a_bad_length_is_a_usage_error(cache: tuple[Path, Path, Path]) -> None:
    result = run(cache, "skywatch/comet_tails", "--length", "huge")
    assert result.returncode == 2 and "invalid choice: 'huge'" in result.stderr
    assert LENGTH_CHOICES == LENGTHS


def test_a_missing_cache_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    result = notecast("summarize", "skywatch/comet_tails", "--db", str(missing),
                      tmp_path=tmp_path)
    assert "notecast index" in one_line(result, 2)
    assert not missing.exists()
    assert not list(tmp_path.glob("none.db*"))


def _state(db: Path) -> dict[str, str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT key, value FROM sync_state"))
    finally:
        con.close()


def test_read_only_a_cache_is_answered_from_never_synced(
        cache: tuple[Path, Path, Path], tmp_path: Path) -> None:
    db, vault, _ = cache
    before = _state(db)
    note = vault / "skywatch" / "meteor_showers.md"
    text = note.read_text(encoding="utf-8")
    try:
        note.write_text(text.replace("Meteor showers happen", "Brand new words happen"),
                        encoding="utf-8")
        other = build_summary_vault(tmp_path / "other")
        result = run(cache, "skywatch/meteor_showers", "--length", "long", "--json",
                     env={"NOTECAST_NOTES_DIR": str(other)})
        assert result.returncode == 0, result.stderr
        assert "Brand new words" not in result.stdout
        assert "Meteor showers happen" in result.stdout  # what the cache holds
        assert _state(db) == before  # not synced
    finally:
        note.write_text(text, encoding="utf-8")


def test_an_unreachable_abstractive_summarizer_falls_back(cache: tuple[Path, Path, Path],
                                                          tmp_path: Path) -> None:
    with socket.socket() as probe:  # bound, never listening, then closed: nobody answers
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"NOTECAST_SUMMARIZER": "abstractive", "NOTECAST_LLM_MODEL": "tiny",
           "NOTECAST_LLM_BASE_URL": f"http://127.0.0.1:{port}/v1",
           "NOTECAST_STATE_DB": str(tmp_path / "state.db")}
    result = run(cache, "skywatch/comet_tails", "--section", "Conclusion", "--json", env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["summarizer"] == "extractive (fallback: cannot connect)"
    assert answer["sentences"][0]["t"] == 3500
    text = run(cache, "skywatch/comet_tails", env=env)
    assert text.stdout.splitlines()[-1] == "Summarizer: extractive (fallback: cannot connect)"


def test_summarize_never_imports_discord_or_the_cogs(cache: tuple[Path, Path, Path]) -> None:
    db, _, home = cache
    script = (
        "import sys\n"
        "from bot.cli.main import run_cli\n"
        f"db = {str(db)!r}\n"
        "codes = [run_cli(['summarize', *args, '--db', db]) for args in (\n"
        "         ['skywatch/comet_tails'], ['skywatch/comet_tails', '--json'],\n"
        "         ['zxqv wubble'])]\n"
        "print(codes, sorted(m for m in sys.modules if m.split('.')[0] in ('discord', 'cogs')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=user_env(home), cwd=home, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[0, 0, 1] []"
